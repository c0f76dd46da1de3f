package dev.usageledger.query;

import dev.usageledger.schemas.registry.RegistryClientConfig;
import dev.usageledger.streams.LedgerStreamsConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where the service's settings come from, in rising precedence: the defaults of the config
 * definitions, a properties file, the environment, and command-line flags. Environment names
 * map to keys: {@code LEDGER_HTTP_PORT} is {@code ledger.http.port}, {@code LEDGER_BOOTSTRAP_SERVERS}
 * and {@code LEDGER_SCHEMA_REGISTRY_URL} are {@code bootstrap.servers} and
 * {@code schema.registry.url}, and {@code KAFKA_SECURITY_PROTOCOL} is
 * {@code streams.security.protocol} (every Kafka client setting passes through that way).
 * Unknown keys fail start-up, with the key named.
 */
public final class ConfigSources {
    private static final Map<String, String> PLAIN_KEYS = Map.of(
            "LEDGER_BOOTSTRAP_SERVERS", LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG,
            "LEDGER_SCHEMA_REGISTRY_URL", LedgerStreamsConfig.REGISTRY_URL_CONFIG);

    private ConfigSources() {
    }

    /** The settings from every source, later sources winning. */
    public static Map<String, Object> layered(Path file, Map<String, String> environment, Map<String, String> flags) {
        Map<String, Object> settings = new TreeMap<>();
        if (file != null) {
            settings.putAll(fromFile(file));
        }
        settings.putAll(fromEnvironment(environment));
        settings.putAll(flags);
        requireKnown(settings);
        return settings;
    }

    static Map<String, String> fromFile(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the configuration file " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> settings = new TreeMap<>();
        properties.stringPropertyNames().forEach(name -> settings.put(name, properties.getProperty(name).trim()));
        return settings;
    }

    static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> settings = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (PLAIN_KEYS.containsKey(name)) {
                settings.put(PLAIN_KEYS.get(name), value);
            } else if (name.startsWith("LEDGER_") && name.length() > 7 && !name.equals("LEDGER_JAVA_OPTS")) {
                settings.put("ledger." + dotted(name.substring(7)), value);
            } else if (name.startsWith("KAFKA_") && name.length() > 6) {
                settings.put(LedgerStreamsConfig.STREAMS_PREFIX + dotted(name.substring(6)), value);
            }
        });
        return settings;
    }

    /** Fails on keys that no definition knows, so a typo never silently keeps a default. */
    public static void requireKnown(Map<String, ?> settings) {
        Set<String> known = new TreeSet<>(ServiceConfig.configDef().names());
        known.addAll(RegistryClientConfig.configDef().names());
        Set<String> unknown = new TreeSet<>();
        for (String key : settings.keySet()) {
            if (!known.contains(key) && !key.startsWith(LedgerStreamsConfig.STREAMS_PREFIX)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown setting(s) " + unknown + "; known settings are " + known
                    + " and any Kafka Streams or client setting prefixed with '" + LedgerStreamsConfig.STREAMS_PREFIX + "'");
        }
    }

    private static String dotted(String environmentName) {
        return environmentName.toLowerCase(Locale.ROOT).replace('_', '.');
    }
}
