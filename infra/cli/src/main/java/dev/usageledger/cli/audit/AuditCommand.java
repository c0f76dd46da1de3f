package dev.usageledger.cli.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.validation.UsageEventRules;
import dev.usageledger.streams.model.Totals;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ledger audit}: reads the usage topic for a time range with a plain consumer, applies the
 * ledger's documented rules apart from the topology, writes what it counted, and reconciles the
 * totals with the ledger service. Exit status: 0 all match, 1 a mismatch (or the ledger could not
 * be asked), 2 a usage error.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Recompute usage totals for a time range from the usage topic, independently of the topology, and reconcile them",
                "with the ledger service. Writes events.csv, totals.csv, summary.json and reconciliation.csv.",
                "Exit status: 0 everything matches, 1 a mismatch, 2 a usage error."})
public final class AuditCommand implements Callable<Integer> {
    private static final long DAY_MS = Duration.ofDays(1).toMillis();

    @Spec
    CommandSpec spec;

    private double readPerSecond;

    @Option(names = "--from", required = true, description = "Start of the range (occurred_at, inclusive), e.g. 2026-11-01T00:00:00Z.")
    String fromText;

    @Option(names = "--to", required = true, description = "End of the range (exclusive).")
    String toText;

    @Option(names = "--tenant", description = "Only this tenant.")
    String tenant;

    @Option(names = "--bootstrap", defaultValue = "localhost:9092", description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(names = "--registry", defaultValue = "http://localhost:8081", description = "Schema registry URL (default: ${DEFAULT-VALUE}).")
    String registry;

    @Option(names = "--ledger-url", description = "The ledger service to reconcile with, e.g. http://127.0.0.1:8080; none: no reconciliation.")
    URI ledgerUrl;

    @Option(names = "--token", description = "Bearer token for the ledger service (default: $LEDGER_TOKEN).")
    String token;

    @Option(names = "--out", defaultValue = "audit", description = "Directory for the report (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--usage-topic", defaultValue = "ledger.usage.v1", description = "Usage topic (default: ${DEFAULT-VALUE}).")
    String usageTopic;

    @Option(names = "--prices-topic", defaultValue = "ledger.prices.v1", description = "Prices topic (default: ${DEFAULT-VALUE}).")
    String pricesTopic;

    @Option(names = "--dedupe-horizon-ms", defaultValue = "3024000000", description = "As the ledger's ledger.dedupe.horizon.ms (default: 35 days).")
    long horizonMs;

    @Option(names = "--late-grace-ms", defaultValue = "604800000", description = "As the ledger's ledger.late.grace.ms (default: 7 days).")
    long lateGraceMs;

    @Option(names = "--max-future-skew-ms", defaultValue = "600000", description = "As the ledger's ledger.max.future.skew.ms (default: 10 minutes).")
    long maxFutureSkewMs;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        Instant from = instant("--from", fromText);
        Instant to = instant("--to", toText);
        if (!from.isBefore(to)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--to must be after --from");
        }
        if (ledgerUrl != null && (from.toEpochMilli() % 3_600_000 != 0 || to.toEpochMilli() % 3_600_000 != 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--from and --to must be whole UTC hours to reconcile with the ledger, which keeps totals per hour");
        }
        String bearer = token != null ? token : System.getenv("LEDGER_TOKEN");
        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.forUrl(registry);
             KafkaConsumer<byte[], byte[]> usage = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaConsumer<String, byte[]> priceConsumer = new KafkaConsumer<>(consumerProps(), new StringDeserializer(),
                     new ByteArrayDeserializer());
             AuditReport report = new AuditReport(out)) {
            PriceHistory prices = PriceHistory.read(priceConsumer, pricesTopic, new AvroDeserializer<>(PriceChange.class, client));
            UsageReplay replay = new UsageReplay(new AvroDeserializer<>(UsageEvent.class, client),
                    new UsageEventRules(Duration.ofMillis(maxFutureSkewMs)), prices, lateGraceMs, horizonMs, tenant, from, to, report);
            long[] readRange = read(usage, from, replay);
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
            if (reconciler != null) {
                stdout.printf("ledger audit: %,d totals compared with %s, %,d mismatched%n", reconciler.compared, ledgerUrl,
                        reconciler.mismatches);
            }
            stdout.flush();
            return reconciler != null && reconciler.mismatches > 0 ? 1 : 0;
        }
    }

    /** Reads the usage topic from the lookback before {@code from} to the end offsets of when the audit began. */
    private long[] read(KafkaConsumer<byte[], byte[]> consumer, Instant from, UsageReplay replay) {
        List<TopicPartition> partitions = consumer.partitionsFor(usageTopic).stream()
                .map(p -> new TopicPartition(usageTopic, p.partition())).toList();
        consumer.assign(partitions);
        long lookback = Math.max(horizonMs, lateGraceMs) + maxFutureSkewMs;
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

    private Map<String, Object> consumerProps() {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
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
