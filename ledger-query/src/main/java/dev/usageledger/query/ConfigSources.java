package dev.usageledger.query;

import dev.usageledger.producer.LedgerProducerConfig;
import dev.usageledger.schemas.registry.RegistryClientConfig;
import dev.usageledger.streams.LedgerStreamsConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Where the ledger's settings come from, in rising precedence: the defaults of the config
 * definitions, a properties file, the environment, and command-line flags. Every ledger command
 * (serve, audit, produce) reads them this way and knows every key of every definition, so one
 * file configures them all alike. The environment is read through {@link EnvironmentMapping}: a
 * variable that is not a setting is reported and ignored. An unknown key in a file or a flag
 * fails, with the key named, so a typo never silently keeps a default.
 */
public final class ConfigSources {
    private static final Set<String> KNOWN = known();
    private static final EnvironmentMapping ENVIRONMENT = EnvironmentMapping.of(KNOWN);

    private ConfigSources() {
    }

    /**
     * The settings from every source, later sources winning; each environment variable that is
     * not a setting is named to {@code warnings}.
     *
     * @throws IllegalArgumentException when the file cannot be read or holds, like the flags, an unknown key
     */
    public static Map<String, Object> layered(Path file, Map<String, String> environment, Map<String, String> flags,
                                              Consumer<String> warnings) {
        Map<String, Object> settings = new TreeMap<>();
        if (file != null) {
            settings.putAll(fromFile(file));
        }
        for (String ignored : ENVIRONMENT.ignored(environment)) {
            warnings.accept("ignoring the environment variable " + ignored + ": it is not a setting"
                    + " (README.md, Configuration, lists the variables that are)");
        }
        settings.putAll(ENVIRONMENT.settings(environment));
        settings.putAll(flags);
        requireKnown(settings);
        return settings;
    }

    /** Every key a ledger command reads: the service's and the topology's, the registry client's and the producer's. */
    public static Set<String> knownKeys() {
        return KNOWN;
    }

    /** The environment variables that are settings. */
    public static EnvironmentMapping environment() {
        return ENVIRONMENT;
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

    /** Fails on keys that no definition knows, so a typo never silently keeps a default. */
    public static void requireKnown(Map<String, ?> settings) {
        Set<String> unknown = new TreeSet<>();
        for (String key : settings.keySet()) {
            if (!KNOWN.contains(key) && !key.startsWith(LedgerStreamsConfig.STREAMS_PREFIX)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown setting(s) " + unknown + "; known settings are " + KNOWN
                    + " and any Kafka Streams or client setting prefixed with '" + LedgerStreamsConfig.STREAMS_PREFIX + "'");
        }
    }

    private static Set<String> known() {
        Set<String> known = new TreeSet<>(ServiceConfig.configDef().names());
        known.addAll(RegistryClientConfig.configDef().names());
        known.addAll(LedgerProducerConfig.configDef().names());
        return Collections.unmodifiableSet(known);
    }
}
