package dev.usageledger.query;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;

/**
 * The service's settings as a Markdown table, generated from the config definitions with the
 * environment variable that sets each: the README holds this table between markers and a test
 * keeps the two equal.
 */
public final class ConfigTable {
    private static final long DAY_MS = Duration.ofDays(1).toMillis();

    private ConfigTable() {
    }

    public static String markdown() {
        StringBuilder table = new StringBuilder("| key | environment | default | meaning |\n|---|---|---|---|\n");
        List<ConfigDef.ConfigKey> keys = ServiceConfig.configDef().configKeys().values().stream()
                .sorted(Comparator.comparing((ConfigDef.ConfigKey k) -> k.name)).toList();
        Map<String, String> variables = new HashMap<>();
        ConfigSources.environment().variables().forEach((variable, key) -> variables.put(key, variable));
        for (ConfigDef.ConfigKey key : keys) {
            table.append("| `").append(key.name).append("` | `").append(variables.get(key.name)).append("` | ").append(defaultOf(key))
                    .append(" | ").append(key.documentation.replace("|", "\\|")).append(" |\n");
        }
        table.append("| `streams.*` | `KAFKA_*` | | passed to Kafka Streams and its clients (e.g. `streams.security.protocol`, `KAFKA_SECURITY_PROTOCOL`); `security.*`, `sasl.*` and `ssl.*` also to the service's producer and to `ledger audit` and `ledger produce`; the ledger sets `streams.commit.interval.ms` to 1000 and `streams.statestore.cache.max.bytes` to 128 MiB unless given |\n");
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
