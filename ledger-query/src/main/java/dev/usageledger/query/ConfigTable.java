package dev.usageledger.query;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;

/**
 * The service's settings as a Markdown table, generated from the config definitions: the README
 * holds this table between markers and a test keeps the two equal.
 */
public final class ConfigTable {
    private static final long DAY_MS = Duration.ofDays(1).toMillis();

    private ConfigTable() {
    }

    public static String markdown() {
        StringBuilder table = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
        List<ConfigDef.ConfigKey> keys = ServiceConfig.configDef().configKeys().values().stream()
                .sorted(Comparator.comparing((ConfigDef.ConfigKey k) -> k.name)).toList();
        for (ConfigDef.ConfigKey key : keys) {
            table.append("| `").append(key.name).append("` | ").append(defaultOf(key)).append(" | ")
                    .append(key.documentation.replace("|", "\\|")).append(" |\n");
        }
        table.append("| `streams.*` | | passed to Kafka Streams and its clients (e.g. `streams.security.protocol`); the ledger sets `streams.commit.interval.ms` to 1000 and `streams.statestore.cache.max.bytes` to 128 MiB unless given |\n");
        return table.toString();
    }

    private static String defaultOf(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "(required)";
        }
        Object value = key.defaultValue;
        if (value == null || value instanceof Password || value.toString().isEmpty()) {
            return "";
        }
        if (value instanceof List<?> list) {
            return list.isEmpty() ? "" : "`" + String.join(",", list.stream().map(Object::toString).toList()) + "`";
        }
        if (value instanceof Long millis && key.name.endsWith(".ms") && millis >= DAY_MS && millis % DAY_MS == 0) {
            return millis / DAY_MS + (millis == DAY_MS ? " day" : " days");
        }
        return "`" + value + "`";
    }

    /** Prints the table, for pasting into the README. */
    public static void main(String[] args) {
        System.out.print(markdown());
    }
}
