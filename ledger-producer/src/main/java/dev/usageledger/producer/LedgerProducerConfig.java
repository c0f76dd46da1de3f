package dev.usageledger.producer;

import dev.usageledger.schemas.registry.RegistryClientConfig;
import dev.usageledger.schemas.validation.UsageEventRules;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;

/**
 * Settings of {@link LedgerProducer}: the Kafka and registry connection, the spool, and the
 * bounds on how long a publish may block. Any {@code producer.}-prefixed key is passed to the
 * underlying {@code KafkaProducer} (for SASL/TLS settings, for example); the ledger's delivery
 * guarantees (acks=all, idempotence) cannot be overridden.
 */
public final class LedgerProducerConfig extends AbstractConfig {
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String TOPIC_CONFIG = "ledger.usage.topic";
    public static final String MAX_BLOCK_MS_CONFIG = "ledger.publish.max.block.ms";
    public static final String DELIVERY_TIMEOUT_MS_CONFIG = "ledger.delivery.timeout.ms";
    public static final String SPOOL_DIR_CONFIG = "ledger.spool.dir";
    public static final String SPOOL_MAX_BYTES_CONFIG = "ledger.spool.max.bytes";
    public static final String SPOOL_FSYNC_CONFIG = "ledger.spool.fsync";
    public static final String SPOOL_FULL_WAIT_MS_CONFIG = "ledger.spool.full.wait.ms";
    public static final String RESEND_INTERVAL_MS_CONFIG = "ledger.resend.interval.ms";
    public static final String CLOSE_TIMEOUT_MS_CONFIG = "ledger.close.timeout.ms";
    public static final String MAX_FUTURE_SKEW_MS_CONFIG = "ledger.max.future.skew.ms";
    public static final String STREAM_IDLE_TIMEOUT_MS_CONFIG = "ledger.stream.idle.timeout.ms";
    public static final String PRODUCER_PREFIX = "producer.";

    private static final ConfigDef CONFIG = RegistryClientConfig.addTo(new ConfigDef())
            .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Kafka brokers to bootstrap from, host:port[,host:port...].")
            .define(TOPIC_CONFIG, Type.STRING, "ledger.usage.v1", Importance.MEDIUM, "The usage topic.")
            .define(MAX_BLOCK_MS_CONFIG, Type.LONG, 1_000L, Range.atLeast(0), Importance.MEDIUM,
                    "The longest a publish call blocks its caller (waiting for metadata or buffer space) before the "
                            + "event goes to the spool instead.")
            .define(DELIVERY_TIMEOUT_MS_CONFIG, Type.INT, 30_000, Range.atLeast(1), Importance.LOW,
                    "How long Kafka may take to acknowledge a sent event before it is moved to the spool.")
            .define(SPOOL_DIR_CONFIG, Type.STRING, "ledger-spool", Importance.HIGH,
                    "Directory of the durable local spool. Only one client may use a directory at a time; a client "
                            + "started on it sends what an earlier one left.")
            .define(SPOOL_MAX_BYTES_CONFIG, Type.LONG, 256L << 20, Range.atLeast(1024), Importance.MEDIUM,
                    "Size bound of the spool. When it is reached, publish waits up to ledger.spool.full.wait.ms, "
                            + "then fails with SpoolFullException.")
            .define(SPOOL_FSYNC_CONFIG, Type.STRING, "always", ValidString.in("always", "never"), Importance.MEDIUM,
                    "always: fsync each spooled event before publish reports it accepted (survives power loss); "
                            + "never: leave it to the OS (survives a process crash, not power loss).")
            .define(SPOOL_FULL_WAIT_MS_CONFIG, Type.LONG, 1_000L, Range.atLeast(0), Importance.LOW,
                    "How long publish waits for room in a full spool.")
            .define(RESEND_INTERVAL_MS_CONFIG, Type.LONG, 1_000L, Range.atLeast(1), Importance.LOW,
                    "How often the spool is retried while the broker is unreachable.")
            .define(CLOSE_TIMEOUT_MS_CONFIG, Type.LONG, 10_000L, Range.atLeast(0), Importance.MEDIUM,
                    "How long close() spends sending what is buffered and spooled; the rest stays in the spool.")
            .define(MAX_FUTURE_SKEW_MS_CONFIG, Type.LONG, UsageEventRules.DEFAULT_MAX_FUTURE_SKEW.toMillis(), Range.atLeast(0), Importance.LOW,
                    "How far ahead of this machine's clock occurred_at may be.")
            .define(STREAM_IDLE_TIMEOUT_MS_CONFIG, Type.LONG, 300_000L, Range.atLeast(1), Importance.MEDIUM,
                    "A streamed call with no usage reported and no ending for this long is published as cancelled.");

    public LedgerProducerConfig(Map<?, ?> props) {
        super(CONFIG, props);
    }

    /** The documented keys, for the README's configuration table. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }
}
