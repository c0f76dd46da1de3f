package dev.usageledger.cli.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.usageledger.cli.SettingsOptions;
import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.validation.UsageEventRules;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.model.Totals;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ledger audit}: reads the usage topic for a time range with a plain consumer, applies the
 * ledger's documented rules apart from the topology, writes what it counted, and reconciles the
 * totals with the ledger service. Exit status: 0 all match, 1 a mismatch (or the ledger could not
 * be asked), 2 a usage error. Its settings are read as {@code ledger serve} reads them, so the rules
 * it applies (topics, dedupe horizon, late grace, future skew) are the service's when both are given
 * the same configuration.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Recompute usage totals for a time range from the usage topic, independently of the topology, and reconcile them",
                "with the ledger service. Writes events.csv, totals.csv, summary.json and reconciliation.csv.",
                "Settings as ledger serve reads them (defaults < --config file < environment < flags): give it the service's",
                "configuration and it applies the service's topics and rules (ledger.dedupe.horizon.ms, ledger.late.grace.ms, ...).",
                "Exit status: 0 everything matches, 1 a mismatch, 2 a usage error."})
public final class AuditCommand implements Callable<Integer> {
    private static final String NAME = "ledger audit";

    private final Map<String, String> environment;

    @Spec
    CommandSpec spec;

    @Mixin
    SettingsOptions options;

    private double readPerSecond;

    @Option(names = "--from", required = true, description = "Start of the range (occurred_at, inclusive), e.g. 2026-11-01T00:00:00Z.")
    String fromText;

    @Option(names = "--to", required = true, description = "End of the range (exclusive).")
    String toText;

    @Option(names = "--tenant", description = "Only this tenant.")
    String tenant;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers (bootstrap.servers).")
    String bootstrap;

    @Option(names = "--registry", paramLabel = "URL", description = "Schema registry URL (schema.registry.url).")
    String registry;

    @Option(names = "--ledger-url", description = "The ledger service to reconcile with, e.g. http://127.0.0.1:8080; none: no reconciliation.")
    URI ledgerUrl;

    @Option(names = "--token", description = "Bearer token for the ledger service (default: $LEDGER_TOKEN).")
    String token;

    @Option(names = "--out", defaultValue = "audit", description = "Directory for the report (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--usage-topic", paramLabel = "TOPIC", description = "Usage topic (ledger.usage.topic).")
    String usageTopic;

    @Option(names = "--prices-topic", paramLabel = "TOPIC", description = "Prices topic (ledger.prices.topic).")
    String pricesTopic;

    @Option(names = "--directory-topic", paramLabel = "TOPIC", description = "Key directory topic (ledger.directory.topic).")
    String directoryTopic;

    @Option(names = "--dedupe-horizon-ms", paramLabel = "MS", description = "Dedupe horizon (ledger.dedupe.horizon.ms).")
    Long horizonMs;

    @Option(names = "--late-grace-ms", paramLabel = "MS", description = "Late grace (ledger.late.grace.ms).")
    Long lateGraceMs;

    @Option(names = "--max-future-skew-ms", paramLabel = "MS", description = "Future skew (ledger.max.future.skew.ms).")
    Long maxFutureSkewMs;

    public AuditCommand() {
        this(System.getenv());
    }

    /** A command that reads its settings and token from {@code environment} instead of the process's. */
    AuditCommand(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        Instant from = instant("--from", fromText);
        Instant to = instant("--to", toText);
        if (!from.isBefore(to)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--to must be after --from");
        }
        if (ledgerUrl != null && (from.toEpochMilli() % 3_600_000 != 0 || to.toEpochMilli() % 3_600_000 != 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--from and --to must be whole UTC hours to reconcile with the ledger, which keeps totals per hour");
        }
        Map<String, Object> settings;
        LedgerStreamsConfig ledger;
        try {
            settings = options.read(environment, flags(), NAME, stderr);
            ledger = new LedgerStreamsConfig(settings);
        } catch (IllegalArgumentException | ConfigException e) {
            return SettingsOptions.refuse(NAME, e, stderr);
        }
        String bearer = token != null ? token : environment.get("LEDGER_TOKEN");
        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.create(settings);
             KafkaConsumer<byte[], byte[]> usage = new KafkaConsumer<>(consumerProps(ledger), new ByteArrayDeserializer(),
                     new ByteArrayDeserializer());
             KafkaConsumer<String, byte[]> priceConsumer = new KafkaConsumer<>(consumerProps(ledger), new StringDeserializer(),
                     new ByteArrayDeserializer());
             AuditReport report = new AuditReport(out)) {
            PriceHistory prices = PriceHistory.read(priceConsumer, ledger.topics().prices(),
                    new AvroDeserializer<>(PriceChange.class, client));
            DirectoryHistory directory = DirectoryHistory.read(priceConsumer, ledger.topics().directory(),
                    new AvroDeserializer<>(DirectoryEntry.class, client), System.err);
            UsageReplay replay = new UsageReplay(new AvroDeserializer<>(UsageEvent.class, client),
                    new UsageEventRules(ledger.maxFutureSkew()), prices, directory, ledger.lateGrace().toMillis(), ledger.dedupeHorizon().toMillis(),
                    ledger.retention(LedgerStreamsConfig.DAY_RETENTION_MS_CONFIG).toMillis(), tenant, from, to, report);
            long[] readRange = read(usage, ledger, from, replay);
            report.close();
            report.writeTotals(out);
            Reconciler reconciler = null;
            if (ledgerUrl != null) {
                reconciler = new Reconciler(ledgerUrl, bearer, from, to, spec.commandLine().getErr());
                try {
                    reconciler.reconcile(report, out);
                } catch (java.io.IOException e) {
                    System.err.println("ledger audit: could not reconcile with " + ledgerUrl + ": " + e.getMessage());
                    writeSummary(report, replay, reconciler, from, to, readRange);
                    return 1;
                }
            }
            writeSummary(report, replay, reconciler, from, to, readRange);
            stdout.printf("ledger audit: %,d events counted, %,d duplicates, %,d rejected, %,d unpriced; cost %,d micro-units; report in %s%n",
                    report.counted, replay.duplicates, replay.rejected.values().stream().mapToLong(Long::longValue).sum(), report.unpriced,
                    report.grand.costMicros(), out.toAbsolutePath());
            long[] late = report.byArrival.getOrDefault(UsageReplay.Arrival.LATE, new long[2]);
            long[] imported = report.byArrival.getOrDefault(UsageReplay.Arrival.IMPORTED, new long[2]);
            if (late[0] + imported[0] > 0) {
                stdout.printf("ledger audit: of which %,d late (%,d micro-units, counted in their own period; in budgets as a late adjustment) "
                        + "and %,d imported (%,d micro-units)%n", late[0], late[1], imported[0], imported[1]);
            }
            if (reconciler != null) {
                stdout.printf("ledger audit: %,d totals compared with %s, %,d mismatched%n", reconciler.compared, ledgerUrl,
                        reconciler.mismatches);
            }
            stdout.flush();
            return reconciler != null && reconciler.mismatches > 0 ? 1 : 0;
        }
    }

    /** The flags' settings by key; null where a flag was not given. */
    private Map<String, Object> flags() {
        Map<String, Object> flags = new HashMap<>();
        flags.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        flags.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, registry);
        flags.put(LedgerStreamsConfig.USAGE_TOPIC_CONFIG, usageTopic);
        flags.put(LedgerStreamsConfig.PRICES_TOPIC_CONFIG, pricesTopic);
        flags.put(LedgerStreamsConfig.DIRECTORY_TOPIC_CONFIG, directoryTopic);
        flags.put(LedgerStreamsConfig.DEDUPE_HORIZON_MS_CONFIG, horizonMs);
        flags.put(LedgerStreamsConfig.LATE_GRACE_MS_CONFIG, lateGraceMs);
        flags.put(LedgerStreamsConfig.MAX_FUTURE_SKEW_MS_CONFIG, maxFutureSkewMs);
        return flags;
    }

    /** Reads the usage topic from the lookback before {@code from} to the end offsets of when the audit began. */
    private long[] read(KafkaConsumer<byte[], byte[]> consumer, LedgerStreamsConfig ledger, Instant from, UsageReplay replay) {
        String topic = ledger.topics().usage();
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        long lookback = Math.max(ledger.dedupeHorizon().toMillis(), ledger.lateGrace().toMillis()) + ledger.maxFutureSkew().toMillis();
        Map<TopicPartition, Long> times = new LinkedHashMap<>();
        partitions.forEach(p -> times.put(p, Math.max(0, from.toEpochMilli() - lookback)));
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(times);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        long total = 0;
        for (TopicPartition p : partitions) {
            OffsetAndTimestamp start = starts.get(p);
            long offset = start == null ? ends.get(p) : start.offset();
            consumer.seek(p, offset);
            total += ends.get(p) - offset;
        }
        long started = System.nanoTime();
        long lastReport = started;
        while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition()))) {
                    replay.apply(record);
                }
            }
            if (System.nanoTime() - lastReport > 1_000_000_000L) {
                lastReport = System.nanoTime();
                System.err.printf("ledger audit: read %,d of %,d records (%d%%)%n", replay.read, total, total == 0 ? 100 : replay.read * 100 / total);
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        readPerSecond = replay.read / Math.max(seconds, 1e-9);
        System.err.printf("ledger audit: replayed %,d records in %.1f s (%,.0f records/s)%n", replay.read, seconds, readPerSecond);
        return new long[] {replay.read, total};
    }

    /** Records replayed per second by the last run, reading and recomputing only (start-up and the report files left out). */
    public double readPerSecond() {
        return readPerSecond;
    }

    private void writeSummary(AuditReport report, UsageReplay replay, Reconciler reconciler, Instant from, Instant to, long[] readRange)
            throws java.io.IOException {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("from", from.toString());
        summary.put("to", to.toString());
        summary.put("tenant", tenant);
        summary.put("records_read", readRange[0]);
        summary.put("counted", report.counted);
        summary.put("duplicates", replay.duplicates);
        summary.put("rejected", replay.rejected);
        summary.put("unpriced", report.unpriced);
        Map<String, Object> arrivals = new LinkedHashMap<>();
        for (UsageReplay.Arrival arrival : UsageReplay.Arrival.values()) {
            long[] arrived = report.byArrival.getOrDefault(arrival, new long[2]);
            arrivals.put(arrival.name().toLowerCase(java.util.Locale.ROOT), Map.of("events", arrived[0], "cost_micros", arrived[1]));
        }
        summary.put("by_arrival", arrivals);
        Totals g = report.grand;
        summary.put("totals", Map.of("cost_micros", g.costMicros(), "input_tokens", g.inputTokens(), "cached_input_tokens",
                g.cachedInputTokens(), "output_tokens", g.outputTokens(), "reasoning_tokens", g.reasoningTokens(), "requests", g.requests(),
                "events", g.events(), "errors", g.errors()));
        List<Map<String, Object>> partitions = report.partitions.entrySet().stream().map(e -> {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("partition", e.getKey());
            p.put("first_offset", e.getValue().firstOffset);
            p.put("last_offset", e.getValue().lastOffset);
            p.put("events", e.getValue().events);
            p.put("sha256", AuditReport.hex(e.getValue()));
            return p;
        }).toList();
        summary.put("partitions", partitions);
        if (reconciler != null) {
            summary.put("reconciliation", Map.of("ledger_url", ledgerUrl.toString(), "compared", reconciler.compared, "mismatches",
                    reconciler.mismatches));
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("summary.json").toFile(), summary);
    }

    private static Map<String, Object> consumerProps(LedgerStreamsConfig ledger) {
        Map<String, Object> props = new HashMap<>(ledger.clientSecurity());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ledger.getList(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        return props;
    }

    private Instant instant(String option, String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " must be an ISO-8601 instant such as "
                    + "2026-11-01T00:00:00Z, got '" + text + "'");
        }
    }
}
