package dev.usageledger.cli.bench;

import dev.usageledger.infra.embedded.EmbeddedKafkaCluster;
import dev.usageledger.infra.embedded.registry.EmbeddedSchemaRegistry;
import dev.usageledger.infra.embedded.topics.LedgerTopics;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.ReportingTopology;
import dev.usageledger.streams.model.ReportBlock;
import dev.usageledger.streams.rules.PeriodCalendar;
import dev.usageledger.streams.rules.PeriodSpec;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.state.ReportStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Read latency of the reporting part over a month of history: the rated topic is pre-loaded with
 * synthetic counted events in event-time order, the reporting topology ingests them (exactly-once
 * v2, 10 s commits) and keeps running, and the reads go through interactive queries over every
 * partition's stores into a {@link ReportStore}, as the service will read them: a month's usage,
 * breakdowns of a month and a daily trend, each over random tenants and members.
 *
 * <p>Each user is in one of its tenant's teams; key, feature and model are drawn per event, and a
 * model belongs to one provider. The month read is the Asia/Kolkata month the history covers most,
 * and every tenant's total of it must read what the history gave the tenant before any read is timed.
 */
@Command(name = "reports", mixinStandardHelpOptions = true,
        description = "Read latency of the reporting part: a month's usage, breakdowns and a daily trend over a month of history.")
public final class ReportReadBench implements Callable<Integer> {
    private static final Duration LIMIT = Duration.ofMinutes(20);
    /** The target beside the figures: a month's usage, breakdown and trend read at p99 within it. */
    private static final long TARGET_P99_NANOS = Duration.ofMillis(10).toNanos();
    private static final int WARM_UP_READS = 200;
    private static final int TEAMS = 4;
    private static final int KEYS = 5;
    private static final int FEATURES = 5;
    private static final int PROVIDERS = 3;
    private static final int MODELS = 20;
    private static final int ERROR_ONE_IN = 50;
    private static final int TREND_DAYS = 30;
    private static final long PROGRESS_EVERY_NANOS = Duration.ofSeconds(5).toNanos();
    private static final PeriodSpec KOLKATA_MONTH = PeriodSpec.calendar(PeriodKind.month, "Asia/Kolkata");
    private static final PeriodSpec KATHMANDU_MONTH = PeriodSpec.calendar(PeriodKind.month, "Asia/Kathmandu");
    private static final PeriodSpec NEW_YORK_MONTH = PeriodSpec.calendar(PeriodKind.month, "America/New_York");
    private static final PeriodSpec NEW_YORK_DAY = PeriodSpec.calendar(PeriodKind.day, "America/New_York");

    @Spec
    CommandSpec spec;

    @Option(names = "--tenants", defaultValue = "100", description = "Tenants (default: ${DEFAULT-VALUE}).")
    int tenants;

    @Option(names = "--users-per-tenant", defaultValue = "100", description = "Users of each tenant (default: ${DEFAULT-VALUE}).")
    int usersPerTenant;

    @Option(names = "--days", defaultValue = "35", description = "Days of history, up to now (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--events", defaultValue = "600000", description = "Counted events, spread evenly over the days (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the rated topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--reads", defaultValue = "2000", description = "Timed reads of each kind, after 200 unrecorded (default: ${DEFAULT-VALUE}).")
    int reads;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the history and of the reads (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        History history = new History(end.minus(Duration.ofDays(days)), end);
        PeriodWindow month = history.monthCoveredMost(KOLKATA_MONTH);
        Instant inMonth = history.middleOf(month);
        out.printf("report read bench: %,d events over %d days (%s to %s), %,d tenants of %,d users, %d partitions, seed %d%n",
                events, days, history.start(), history.end(), tenants, usersPerTenant, partitions, seed);
        out.printf("  the month read: Asia/Kolkata %s to %s, %.1f days of it in the history%n", month.start(), month.end(),
                history.overlap(month) / (double) Duration.ofDays(1).toMillis());
        out.flush();
        Path state = Files.createTempDirectory("ledger-bench-state");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(kafka.bootstrapServers());
             RestSchemaRegistryClient client = RestSchemaRegistryClient.forUrl(registry.url())) {
            String bootstrap = kafka.bootstrapServers();
            StreamsJobs.createTopics(bootstrap, partitions);
            long[] expected = preload(bootstrap, client, history, month, out);
            LedgerStreamsConfig config = new LedgerStreamsConfig(StreamsJobs.ledgerSettings(bootstrap, registry.url(), LedgerTopics.USAGE,
                    "report-reads", 1, state));
            Properties props = config.streamsProperties();
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, StreamsJobs.REPORTING_COMMIT_INTERVAL_MS);
            out.printf("  ingesting: the reporting part, exactly-once, %d s commits%n", StreamsJobs.REPORTING_COMMIT_INTERVAL_MS / 1_000);
            out.flush();
            try (StreamsJobs.CaughtUp job = StreamsJobs.runUntilCaughtUp(bootstrap, ReportingTopology.build(config, client), props,
                    LedgerTopics.RATED, LIMIT, progress(out))) {
                out.printf("  ingested %,d rated records in %.1f s, from RUNNING to the commit that covered the last one (%,.0f records/s);"
                        + " the job stays running%n", job.records(),
                        job.ingestNanos() / 1e9, job.records() / (job.ingestNanos() / 1e9));
                ReportStore reports = new ReportStore(store(job.streams(), Names.REPORT_QUARTER_STORE),
                        store(job.streams(), Names.REPORT_HOUR_STORE), store(job.streams(), Names.REPORT_DAY_STORE));
                printStoreSizes(job.streams(), out);
                if (!matches(reports, month, expected, job.records(), out)) {
                    return 1;
                }
                measure(reports, month, inMonth, out);
            }
        }
        return 0;
    }

    /** The span of the history: events spread evenly over {@code [start, end)}. */
    private record History(Instant start, Instant end) {
        long spanMs() {
            return end.toEpochMilli() - start.toEpochMilli();
        }

        /** Milliseconds of {@code period} inside the history. */
        long overlap(PeriodWindow period) {
            return Math.max(0, Math.min(end.toEpochMilli(), period.end().toEpochMilli())
                    - Math.max(start.toEpochMilli(), period.start().toEpochMilli()));
        }

        /** The middle of the part of {@code period} inside the history. */
        Instant middleOf(PeriodWindow period) {
            long from = Math.max(start.toEpochMilli(), period.start().toEpochMilli());
            return Instant.ofEpochMilli(from + overlap(period) / 2);
        }

        /** The period of {@code spec} the history covers most; the later one of two alike. */
        PeriodWindow monthCoveredMost(PeriodSpec spec) {
            PeriodWindow best = PeriodCalendar.windowAt(spec, start);
            for (PeriodWindow period = best; period.start().isBefore(end); period = PeriodCalendar.next(spec, period)) {
                if (overlap(period) >= overlap(best)) {
                    best = period;
                }
            }
            return best;
        }
    }

    /**
     * Writes the history to the rated topic in event-time order, keyed by tenant and stamped with
     * the event's time, and answers each tenant's cost in {@code month} as written.
     */
    private long[] preload(String bootstrap, RestSchemaRegistryClient registry, History history, PeriodWindow month, PrintWriter out) {
        Random random = new Random(seed);
        long[] costInMonth = new long[tenants];
        long started = System.nanoTime();
        int step = Math.max(1, events / 10);
        try (KafkaProducer<String, RatedUsageEvent> producer = StreamsJobs.preloadProducer(bootstrap, registry)) {
            for (int i = 0; i < events; i++) {
                int t = random.nextInt(tenants);
                String tenant = tenantId(t);
                int user = random.nextInt(usersPerTenant);
                int model = random.nextInt(MODELS);
                long input = 200 + random.nextInt(4_000);
                long cost = random.nextInt(20_001);
                Instant at = history.start().plusMillis((long) i * history.spanMs() / events);
                UsageEvent usage = UsageEvent.newBuilder().setEventId("e-" + i).setTenantId(tenant).setOccurredAt(at)
                        .setTeamIds(List.of(teamId(tenant, user % TEAMS))).setUserId(userId(tenant, user))
                        .setApiKeyId(tenant + "-k" + random.nextInt(KEYS)).setFeature("feature-" + random.nextInt(FEATURES))
                        .setProvider("provider-" + model % PROVIDERS).setModel("model-" + model)
                        .setInputTokens(input).setCachedInputTokens(random.nextInt((int) input / 2))
                        .setOutputTokens(50 + random.nextInt(1_000)).setCostMicros(cost)
                        .setStatus(random.nextInt(ERROR_ONE_IN) == 0 ? UsageStatus.error : UsageStatus.ok)
                        .setLatencyMs(200L + random.nextInt(3_000)).build();
                // No usage topic here: the event's place is its index in the history
                RatedUsageEvent rated = RatedUsageEvent.newBuilder().setUsage(usage).setCostMicros(cost).setUnpriced(false)
                        .setSourcePartition(0).setSourceOffset(i).build();
                producer.send(new ProducerRecord<>(LedgerTopics.RATED, null, at.toEpochMilli(), tenant, rated));
                if (month.contains(at)) {
                    costInMonth[t] = Math.addExact(costInMonth[t], cost);
                }
                if ((i + 1) % step == 0) {
                    out.printf("  pre-loading: %,d of %,d events (%.0f s)%n", i + 1, events, (System.nanoTime() - started) / 1e9);
                    out.flush();
                }
            }
            producer.flush();
        }
        out.printf("  pre-loaded %,d events in %.1f s%n", events, (System.nanoTime() - started) / 1e9);
        out.flush();
        return costInMonth;
    }

    /** Prints how far the job has committed, at most every few seconds. */
    private static StreamsJobs.Progress progress(PrintWriter out) {
        long started = System.nanoTime();
        long[] printed = {started};
        return (committed, end) -> {
            long now = System.nanoTime();
            if (now - printed[0] >= PROGRESS_EVERY_NANOS) {
                printed[0] = now;
                out.printf("  ingesting: %,d of %,d records committed (%.0f s)%n", committed, end, (now - started) / 1e9);
                out.flush();
            }
        };
    }

    /** Every partition's instance of the store, read as the service will read it. */
    private static ReadOnlyWindowStore<String, ReportBlock> store(KafkaStreams streams, String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, ReportBlock>windowStore()));
    }

    /** RocksDB's estimates of the reporting stores' keys and bytes, from the job's metrics (summed over tasks and segments). */
    private static void printStoreSizes(KafkaStreams streams, PrintWriter out) {
        for (String store : List.of(Names.REPORT_QUARTER_STORE, Names.REPORT_HOUR_STORE, Names.REPORT_DAY_STORE)) {
            out.printf("  %s: about %,d blocks; %,d bytes in SST files, %,d in memtables%n", store,
                    rocksDbMetric(streams, store, "estimate-num-keys"), rocksDbMetric(streams, store, "total-sst-files-size"),
                    rocksDbMetric(streams, store, "size-all-mem-tables"));
        }
        out.flush();
    }

    private static long rocksDbMetric(KafkaStreams streams, String store, String name) {
        return streams.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals(name) && store.equals(e.getKey().tags().get("rocksdb-window-state-id")))
                .mapToLong(e -> e.getValue().metricValue() instanceof Number n ? n.longValue() : 0).sum();
    }

    /** Whether every tenant's month read equals the cost the history gave it; prints MISMATCH for each that does not. */
    private boolean matches(ReportStore reports, PeriodWindow month, long[] expected, long records, PrintWriter out) {
        long total = 0;
        int mismatched = 0;
        for (int t = 0; t < tenants; t++) {
            String tenant = tenantId(t);
            long read = reports.totals(tenant, SubjectType.tenant, tenant, month).costMicros();
            total += expected[t];
            if (read != expected[t]) {
                mismatched++;
                out.printf("MISMATCH: %s's month reads %,d micro-units; the history gave it %,d%n", tenant, read, expected[t]);
            }
        }
        if (mismatched > 0) {
            out.printf("MISMATCH: %d of %d tenants' months read wrong; %,d rated records for %,d events produced%s%n", mismatched, tenants,
                    records, events, records > events ? " (the producer is not idempotent: a retried batch was written twice)" : "");
        } else {
            out.printf("  check: every tenant's month reads the cost the history gave it (%,d micro-units in all)%n", total);
        }
        out.flush();
        return mismatched == 0;
    }

    /** One kind of read: a label, and a read of it over members {@code pick} draws; the read answers its rows. */
    private record Kind(String label, Function<Random, LongSupplier> pick) {
    }

    private void measure(ReportStore reports, PeriodWindow month, Instant inMonth, PrintWriter out) {
        PeriodWindow kathmanduMonth = PeriodCalendar.windowAt(KATHMANDU_MONTH, inMonth);
        List<PeriodWindow> trend = new ArrayList<>(TREND_DAYS);
        PeriodWindow day = PeriodCalendar.windowAt(NEW_YORK_DAY, PeriodCalendar.windowAt(NEW_YORK_MONTH, inMonth).start());
        for (int i = 0; i < TREND_DAYS; i++) {
            trend.add(day);
            day = PeriodCalendar.next(NEW_YORK_DAY, day);
        }
        List<Kind> kinds = List.of(
                new Kind("tenant's month usage, Asia/Kolkata", r -> {
                    String tenant = tenantId(r.nextInt(tenants));
                    return () -> reports.totals(tenant, SubjectType.tenant, tenant, month).events() > 0 ? 1 : 0;
                }),
                new Kind("user's month usage, Asia/Kathmandu", r -> {
                    String tenant = tenantId(r.nextInt(tenants));
                    String user = userId(tenant, r.nextInt(usersPerTenant));
                    return () -> reports.totals(tenant, SubjectType.user, user, kathmanduMonth).events() > 0 ? 1 : 0;
                }),
                new Kind("user's month by model", r -> {
                    String tenant = tenantId(r.nextInt(tenants));
                    String user = userId(tenant, r.nextInt(usersPerTenant));
                    return () -> reports.breakdown(tenant, SubjectType.user, user, SubjectType.model, month).size();
                }),
                new Kind("team's month by user", r -> {
                    String tenant = tenantId(r.nextInt(tenants));
                    String team = teamId(tenant, r.nextInt(TEAMS));
                    return () -> reports.breakdown(tenant, SubjectType.team, team, SubjectType.user, month).size();
                }),
                new Kind("tenant's month by user", r -> {
                    String tenant = tenantId(r.nextInt(tenants));
                    return () -> reports.breakdown(tenant, SubjectType.tenant, tenant, SubjectType.user, month).size();
                }),
                new Kind("tenant's daily trend, " + TREND_DAYS + " days, America/New_York", r -> {
                    String tenant = tenantId(r.nextInt(tenants));
                    return () -> reports.series(tenant, SubjectType.tenant, tenant, trend).size();
                }));
        Random random = new Random(seed + 1);
        out.printf("  reading: %,d reads of each kind after %d unrecorded, the kinds in turn, one read at a time, while the job runs%n",
                reads, WARM_UP_READS);
        out.flush();
        for (int i = 0; i < WARM_UP_READS; i++) {
            kinds.forEach(kind -> kind.pick().apply(random).getAsLong());
        }
        List<Latencies> latencies = kinds.stream().map(kind -> new Latencies()).toList();
        long[] rows = new long[kinds.size()];
        long started = System.nanoTime();
        for (int i = 0; i < reads; i++) {
            for (int k = 0; k < kinds.size(); k++) {
                LongSupplier read = kinds.get(k).pick().apply(random);
                long before = System.nanoTime();
                rows[k] += read.getAsLong();
                latencies.get(k).record(System.nanoTime() - before);
            }
            if ((i + 1) % Math.max(1, reads / 10) == 0) {
                out.printf("  reading: %,d of %,d reads of each kind (%.0f s)%n", i + 1, reads, (System.nanoTime() - started) / 1e9);
                out.flush();
            }
        }
        out.printf("%n| kind | reads | p50 ms | p99 ms | p99.9 ms | max ms |%n|---|---|---|---|---|---|%n");
        List<String> verdicts = new ArrayList<>();
        for (int k = 0; k < kinds.size(); k++) {
            Latencies.Summary summary = latencies.get(k).summary();
            String label = kinds.get(k).label();
            out.println(summary.row(label, Latencies.Summary::millis));
            verdicts.add(String.format("%s: p99 %s ms, %s the %d ms target (%.1f rows an answer)", label,
                    Latencies.Summary.millis(summary.p99()), summary.p99() <= TARGET_P99_NANOS ? "within" : "OVER",
                    Duration.ofNanos(TARGET_P99_NANOS).toMillis(), (double) rows[k] / reads));
        }
        out.println();
        verdicts.forEach(out::println);
        out.flush();
    }

    private static String tenantId(int tenant) {
        return "tenant-" + tenant;
    }

    private static String userId(String tenant, int user) {
        return tenant + "-u" + user;
    }

    private static String teamId(String tenant, int team) {
        return tenant + "-team" + team;
    }
}
