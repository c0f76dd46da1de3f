package dev.usageledger.query;

import dev.usageledger.streams.LedgerStreamsConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Which environment variables are settings, listed from the config definitions rather than
 * guessed from a prefix. {@code LEDGER_<NAME>} sets the ledger key that reads NAME once its
 * {@code ledger.} prefix is dropped and it is upper-cased with dots and dashes as underscores
 * ({@code LEDGER_HTTP_PORT} is {@code ledger.http.port}, {@code LEDGER_BOOTSTRAP_SERVERS} is
 * {@code bootstrap.servers}). {@code KAFKA_<NAME>} sets {@code streams.<name>} for every Kafka
 * Streams and Kafka client setting, also under the client prefixes ({@code KAFKA_SECURITY_PROTOCOL}
 * is {@code streams.security.protocol}, {@code KAFKA_PRODUCER_LINGER_MS} is
 * {@code streams.producer.linger.ms}).
 *
 * <p>Any other {@code LEDGER_} or {@code KAFKA_} variable is not a setting and is reported as
 * ignored, never fatal: orchestrators set such variables on their own (Kubernetes adds
 * {@code LEDGER_PORT}, {@code LEDGER_SERVICE_HOST} and more to every pod of a namespace with a
 * Service named {@code ledger}), and a shell may hold one for another purpose.
 */
public final class EnvironmentMapping {
    private static final String LEDGER = "LEDGER_";
    private static final String KAFKA = "KAFKA_";
    /** Variables the ledger's tools read themselves (the launcher's JVM options, the audit's bearer token). */
    private static final Set<String> TOOL_VARIABLES = Set.of("LEDGER_JAVA_OPTS", "LEDGER_TOKEN");
    private static final List<String> CLIENT_PREFIXES = List.of("", StreamsConfig.PRODUCER_PREFIX, StreamsConfig.CONSUMER_PREFIX,
            StreamsConfig.MAIN_CONSUMER_PREFIX, StreamsConfig.RESTORE_CONSUMER_PREFIX, StreamsConfig.GLOBAL_CONSUMER_PREFIX,
            StreamsConfig.ADMIN_CLIENT_PREFIX);

    private final Map<String, String> keys;

    private EnvironmentMapping(Map<String, String> keys) {
        this.keys = Collections.unmodifiableMap(keys);
    }

    /**
     * The mapping of the given ledger keys and of every Kafka Streams and client setting.
     *
     * @throws IllegalStateException when two keys would be set by the same variable
     */
    public static EnvironmentMapping of(Collection<String> ledgerKeys) {
        Map<String, String> keys = new TreeMap<>();
        for (String key : ledgerKeys) {
            add(keys, LEDGER + upperCase(key.startsWith("ledger.") ? key.substring("ledger.".length()) : key), key);
        }
        for (String prefix : CLIENT_PREFIXES) {
            for (String name : prefix.isEmpty() ? kafkaNames() : clientNames()) {
                add(keys, KAFKA + upperCase(prefix + name), LedgerStreamsConfig.STREAMS_PREFIX + prefix + name);
            }
        }
        return new EnvironmentMapping(keys);
    }

    /** Every variable that is a setting, with the key it sets. */
    public Map<String, String> variables() {
        return keys;
    }

    /** The settings the environment holds, by key. */
    public Map<String, String> settings(Map<String, String> environment) {
        Map<String, String> settings = new TreeMap<>();
        environment.forEach((name, value) -> {
            String key = keys.get(name);
            if (key != null) {
                settings.put(key, value);
            }
        });
        return settings;
    }

    /** The {@code LEDGER_} and {@code KAFKA_} variables of the environment that are not settings, sorted. */
    public List<String> ignored(Map<String, String> environment) {
        List<String> ignored = new ArrayList<>();
        for (String name : new TreeSet<>(environment.keySet())) {
            if ((name.startsWith(LEDGER) || name.startsWith(KAFKA)) && !keys.containsKey(name) && !TOOL_VARIABLES.contains(name)) {
                ignored.add(name);
            }
        }
        return ignored;
    }

    private static void add(Map<String, String> keys, String variable, String key) {
        String before = keys.putIfAbsent(variable, key);
        if (before != null && !before.equals(key)) {
            throw new IllegalStateException("the settings " + before + " and " + key + " would both be set by " + variable);
        }
    }

    private static Set<String> kafkaNames() {
        Set<String> names = new TreeSet<>(StreamsConfig.configDef().names());
        names.addAll(clientNames());
        return names;
    }

    private static Set<String> clientNames() {
        Set<String> names = new TreeSet<>(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return names;
    }

    private static String upperCase(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
