package dev.usageledger.streams;

import dev.usageledger.schemas.validation.UsageEventRules;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The ledger topology's settings: topic names, time rules (dedupe horizon, late grace, future
 * skew), bucket retention, and the Kafka Streams settings it runs with. Keys under
 * {@code streams.} pass through to Kafka Streams; exactly-once v2 and explicit naming of
 * internal resources cannot be turned off.
 */
public final class LedgerStreamsConfig extends AbstractConfig {
    public static final String APPLICATION_ID_CONFIG = "ledger.application.id";
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String REGISTRY_URL_CONFIG = "schema.registry.url";
    public static final String USAGE_TOPIC_CONFIG = "ledger.usage.topic";
    public static final String POLICIES_TOPIC_CONFIG = "ledger.policies.topic";
    public static final String PRICES_TOPIC_CONFIG = "ledger.prices.topic";
    public static final String HOLDS_TOPIC_CONFIG = "ledger.holds.topic";
    public static final String BREACHES_TOPIC_CONFIG = "ledger.breaches.topic";
    public static final String REJECTED_TOPIC_CONFIG = "ledger.rejected.topic";
    public static final String DECISIONS_TOPIC_CONFIG = "ledger.decisions.topic";
    public static final String HOLD_REQUESTS_TOPIC_CONFIG = "ledger.hold.requests.topic";
    public static final String HOLD_JOURNAL_TOPIC_CONFIG = "ledger.hold.journal.topic";
    public static final String RATED_TOPIC_CONFIG = "ledger.rated.topic";
    public static final String SEEDS_TOPIC_CONFIG = "ledger.seeds.topic";
    public static final String DIRECTORY_TOPIC_CONFIG = "ledger.directory.topic";
    public static final String GLOBAL_USAGE_TOPIC_CONFIG = "ledger.global.usage.topic";
    public static final String GLOBAL_COUNTERS_TOPIC_CONFIG = "ledger.global.counters.topic";
    public static final String HOLD_TTL_MAX_MS_CONFIG = "ledger.hold.ttl.max.ms";
    public static final String DEDUPE_HORIZON_MS_CONFIG = "ledger.dedupe.horizon.ms";
    public static final String LATE_GRACE_MS_CONFIG = "ledger.late.grace.ms";
    public static final String MAX_FUTURE_SKEW_MS_CONFIG = "ledger.max.future.skew.ms";
    public static final String BREACH_RETENTION_MS_CONFIG = "ledger.retention.breach.ms";
    public static final String DAY_RETENTION_MS_CONFIG = "ledger.retention.day.ms";
    public static final String ROLLING_MAX_MS_CONFIG = "ledger.rolling.max.duration.ms";
    public static final String STANDBY_REPLICAS_CONFIG = "ledger.standby.replicas";
    public static final String STREAM_THREADS_CONFIG = "ledger.stream.threads";
    public static final String REPORTS_COMMIT_INTERVAL_MS_CONFIG = "ledger.reports.commit.interval.ms";
    public static final String STATE_DIR_CONFIG = "ledger.state.dir";
    public static final String STREAMS_PREFIX = "streams.";

    private static final long DAY_MS = Duration.ofDays(1).toMillis();
    private static final long COMMIT_INTERVAL_MS = 1_000;
    private static final long CACHE_MAX_BYTES = 128L << 20;
    private static final ConfigDef CONFIG = new ConfigDef()
            .define(APPLICATION_ID_CONFIG, Type.STRING, "usage-ledger", Importance.HIGH,
                    "Kafka Streams application id: instances with the same id share the work and the state.")
            .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, "Kafka brokers.")
            .define(REGISTRY_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, "Schema registry URL.")
            .define(USAGE_TOPIC_CONFIG, Type.STRING, Topics.defaults().usage(), Importance.LOW, "Usage topic.")
            .define(POLICIES_TOPIC_CONFIG, Type.STRING, Topics.defaults().policies(), Importance.LOW, "Policies topic.")
            .define(PRICES_TOPIC_CONFIG, Type.STRING, Topics.defaults().prices(), Importance.LOW, "Prices topic.")
            .define(HOLDS_TOPIC_CONFIG, Type.STRING, Topics.defaults().holds(), Importance.LOW, "Holds topic.")
            .define(BREACHES_TOPIC_CONFIG, Type.STRING, Topics.defaults().breaches(), Importance.LOW, "Breaches topic.")
            .define(REJECTED_TOPIC_CONFIG, Type.STRING, Topics.defaults().rejected(), Importance.LOW, "Rejected usage topic.")
            .define(DECISIONS_TOPIC_CONFIG, Type.STRING, Topics.defaults().decisions(), Importance.LOW,
                    "Topic of the answers given to hold requests, for audit.")
            .define(HOLD_REQUESTS_TOPIC_CONFIG, Type.STRING, Topics.defaults().holdRequests(), Importance.LOW,
                    "Topic of hold requests and voids, read by the tenant's task (apart from the holds topic the task writes,"
                    + " so a request is never behind the task's own open transaction).")
            .define(HOLD_JOURNAL_TOPIC_CONFIG, Type.STRING, Topics.defaults().holdJournal(), Importance.LOW,
                    "Topic of hold decisions (placed or denied), journaled by the partition's owner before it answers and"
                    + " applied by the tenant's task.")
            .define(RATED_TOPIC_CONFIG, Type.STRING, Topics.defaults().rated(), Importance.LOW,
                    "Topic of the counted usage: one record per event the ledger counted (valid, first seen), with its cost,"
                    + " written in the transaction that counts it; reporting, audits and sinks read it.")
            .define(SEEDS_TOPIC_CONFIG, Type.STRING, Topics.defaults().seeds(), Importance.LOW,
                    "Topic of the reporting part's answers to seed requests: what a newly registered policy's members used"
                    + " before it, which enforcement adds to their counters once.")
            .define(DIRECTORY_TOPIC_CONFIG, Type.STRING, Topics.defaults().directory(), Importance.LOW,
                    "The tenants' key directories (compacted): who each API key belongs to and which teams each user is in,"
                    + " in force from each version's effective time.")
            .define(GLOBAL_USAGE_TOPIC_CONFIG, Type.STRING, Topics.defaults().globalUsage(), Importance.LOW,
                    "Topic (one partition) of the counted usage that a global policy (a provider's or a model's limit over every"
                    + " tenant) governs, written by the tenants' tasks as they count it and counted by the global task.")
            .define(GLOBAL_COUNTERS_TOPIC_CONFIG, Type.STRING, Topics.defaults().globalCounters(), Importance.LOW,
                    "Compacted topic of the global policies' counters, written by the global task; every instance reads it for"
                    + " checks and holds.")
            .define(HOLD_TTL_MAX_MS_CONFIG, Type.LONG, DAY_MS, Range.atLeast(1_000), Importance.LOW,
                    "The longest a hold may live before it expires.")
            .define(DEDUPE_HORIZON_MS_CONFIG, Type.LONG, 35 * DAY_MS, Range.atLeast(1), Importance.MEDIUM,
                    "An event_id seen again within this span of event time is counted once.")
            .define(LATE_GRACE_MS_CONFIG, Type.LONG, 7 * DAY_MS, Range.atLeast(0), Importance.MEDIUM,
                    "A budget period that ended longer before the newest event seen is closed: live usage that arrives later is"
                            + " counted in its own period in the reports and in the current period of its budgets, as a late adjustment.")
            .define(MAX_FUTURE_SKEW_MS_CONFIG, Type.LONG, UsageEventRules.DEFAULT_MAX_FUTURE_SKEW.toMillis(), Range.atLeast(0), Importance.LOW,
                    "Events dated further ahead of the record's timestamp are rejected as future_timestamp.")
            .define(BREACH_RETENTION_MS_CONFIG, Type.LONG, 90 * DAY_MS, Range.atLeast(3_600_000), Importance.LOW,
                    "How long enforcement keeps the breaches it emitted, for the breaches endpoint (the breaches topic keeps them a year).")
            .define(DAY_RETENTION_MS_CONFIG, Type.LONG, 800 * DAY_MS, Range.atLeast(DAY_MS), Importance.LOW,
                    "How long the reporting part keeps its blocks (quarter hours, hours and days): the oldest usage a report can read,"
                            + " and the oldest history ledger import takes.")
            .define(ROLLING_MAX_MS_CONFIG, Type.LONG, 31 * DAY_MS, Range.atLeast(1_000), Importance.LOW,
                    "The longest rolling window a policy may use; rolling counters are kept this long plus the late grace.")
            .define(STANDBY_REPLICAS_CONFIG, Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
                    "Warm copies of each task's state on other instances, for fast fail-over.")
            .define(STREAM_THREADS_CONFIG, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM, "Stream threads per instance.")
            .define(REPORTS_COMMIT_INTERVAL_MS_CONFIG, Type.LONG, 10_000L, Range.atLeast(100), Importance.LOW,
                    "How often the reporting part commits: its blocks are written once per commit, however many events changed"
                    + " them, and reports read every counted event at once, committed or not.")
            .define(STATE_DIR_CONFIG, Type.STRING, "ledger-state", Importance.HIGH,
                    "Where RocksDB state lives; keep it across restarts to avoid a full restore.");

    public LedgerStreamsConfig(Map<?, ?> props) {
        super(CONFIG, props);
    }

    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    public Topics topics() {
        return new Topics(getString(USAGE_TOPIC_CONFIG), getString(POLICIES_TOPIC_CONFIG), getString(PRICES_TOPIC_CONFIG),
                getString(HOLDS_TOPIC_CONFIG), getString(BREACHES_TOPIC_CONFIG), getString(REJECTED_TOPIC_CONFIG),
                getString(DECISIONS_TOPIC_CONFIG), getString(HOLD_REQUESTS_TOPIC_CONFIG), getString(HOLD_JOURNAL_TOPIC_CONFIG),
                getString(RATED_TOPIC_CONFIG), getString(SEEDS_TOPIC_CONFIG), getString(DIRECTORY_TOPIC_CONFIG),
                getString(GLOBAL_USAGE_TOPIC_CONFIG), getString(GLOBAL_COUNTERS_TOPIC_CONFIG));
    }

    public Duration dedupeHorizon() {
        return Duration.ofMillis(getLong(DEDUPE_HORIZON_MS_CONFIG));
    }

    public Duration lateGrace() {
        return Duration.ofMillis(getLong(LATE_GRACE_MS_CONFIG));
    }

    public Duration maxFutureSkew() {
        return Duration.ofMillis(getLong(MAX_FUTURE_SKEW_MS_CONFIG));
    }

    public Duration retention(String key) {
        return Duration.ofMillis(getLong(key));
    }

    /**
     * The Kafka client security settings ({@code security.*}, {@code sasl.*}, {@code ssl.*}) given
     * under {@code streams.}, for the ledger's clients outside Kafka Streams (the service's producer,
     * the audit's consumers, {@code ledger produce}): one configuration reaches the cluster the same way.
     */
    public Map<String, Object> clientSecurity() {
        Map<String, Object> security = new HashMap<>();
        originalsWithPrefix(STREAMS_PREFIX).forEach((key, value) -> {
            if (key.startsWith("security.") || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                security.put(key, value);
            }
        });
        return security;
    }

    /** The Kafka Streams properties the ledger runs with. */
    /**
     * The reporting part's settings: the enforcement part's, under its own application id
     * ({@code <application.id>-reports}), one stream thread, and its own commit interval.
     */
    public Properties reportingProperties() {
        Properties props = streamsProperties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, reportingApplicationId());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, getLong(REPORTS_COMMIT_INTERVAL_MS_CONFIG));
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        return props;
    }

    public String reportingApplicationId() {
        return getString(APPLICATION_ID_CONFIG) + "-reports";
    }

    public Properties streamsProperties() {
        Map<String, Object> props = new HashMap<>(originalsWithPrefix(STREAMS_PREFIX));
        // An event changes some twenty totals buckets and its policies' counters. The buckets are
        // combined in memory until the task commits (CombiningWindowStore), the counters in the
        // 128 MiB record cache; either way a value many events change between two commits costs one
        // store write and one changelog record. Committing every second (exactly-once's default is
        // 100 ms) lets a value absorb a second of events and halves the transactions' overhead;
        // reads see every applied event at once. "streams." settings override both.
        props.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        props.putIfAbsent(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, CACHE_MAX_BYTES);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, getString(APPLICATION_ID_CONFIG));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, getList(BOOTSTRAP_SERVERS_CONFIG));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, getInt(STANDBY_REPLICAS_CONFIG));
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, getInt(STREAM_THREADS_CONFIG));
        props.put(StreamsConfig.STATE_DIR_CONFIG, getString(STATE_DIR_CONFIG));
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                dev.usageledger.streams.errors.RejectingProcessingExceptionHandler.class);
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                dev.usageledger.streams.errors.LedgerProductionExceptionHandler.class);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                org.apache.kafka.streams.errors.LogAndFailExceptionHandler.class);
        props.put(dev.usageledger.streams.errors.RejectingProcessingExceptionHandler.REJECTED_TOPIC_CONFIG,
                getString(REJECTED_TOPIC_CONFIG));
        Properties properties = new Properties();
        properties.putAll(props);
        return properties;
    }
}
