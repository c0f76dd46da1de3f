package dev.usageledger.streams;

import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.BudgetVerdict;
import dev.usageledger.schemas.avro.EnforcementDecision;
import dev.usageledger.schemas.avro.HeldLine;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.TopologyModelInputs.AdvanceIn;
import dev.usageledger.streams.TopologyModelInputs.HoldIn;
import dev.usageledger.streams.TopologyModelInputs.Input;
import dev.usageledger.streams.TopologyModelInputs.PolicyIn;
import dev.usageledger.streams.TopologyModelInputs.PriceIn;
import dev.usageledger.streams.TopologyModelInputs.UsageIn;
import dev.usageledger.streams.TopologyModelSteps.Flaw;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.model.ReportBlock;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.state.ReportStore;
import dev.usageledger.streams.model.Totals;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The production topology in a TopologyTestDriver whose wall clock starts at the case's start,
 * fed the model-based test's inputs, and read back through store and topic names only: every
 * store's entries and each step's records on the rejected, breaches, holds and decisions topics.
 */
final class TopologyModelDriver implements AutoCloseable {
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final Topics topics;
    private final TopologyTestDriver driver;
    private final TestInputTopic<byte[], byte[]> usage;
    private final TestInputTopic<String, byte[]> prices;
    private final TestInputTopic<String, byte[]> policies;
    private final TestInputTopic<String, byte[]> holdRequests;
    private final TestOutputTopic<byte[], byte[]> rejected;
    private final TestOutputTopic<String, BudgetBreach> breaches;
    private final TestOutputTopic<String, byte[]> holdEvents;
    private final TestOutputTopic<String, EnforcementDecision> decisions;
    private final AvroSerializer<SpecificRecord> serializer = new AvroSerializer<>(registry, true, false);
    private final AvroDeserializer<HoldEvent> holdDeserializer = new AvroDeserializer<>(HoldEvent.class, registry);
    private byte[] lastSent;
    private long now;
    /** The reporting part, fed the rated topic after each input; its answers to seed requests come back. */
    private final TopologyTestDriver reports;
    private final TestOutputTopic<String, byte[]> rated;
    private final TestInputTopic<String, byte[]> reportsRated;
    private final TestOutputTopic<String, byte[]> reportsSeeds;
    private final TestInputTopic<String, byte[]> seeds;

    TopologyModelDriver(Path stateDir, long start) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        settings.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, "http://unused:8081");
        settings.put(LedgerStreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(LedgerStreamsConfig.LATE_GRACE_MS_CONFIG, TopologyModelReference.GRACE_MS);
        settings.put(LedgerStreamsConfig.DEDUPE_HORIZON_MS_CONFIG, TopologyModelReference.HORIZON_MS);
        settings.put(LedgerStreamsConfig.MAX_FUTURE_SKEW_MS_CONFIG, TopologyModelReference.SKEW_MS);
        LedgerStreamsConfig config = new LedgerStreamsConfig(settings);
        Properties props = config.streamsProperties();
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE); // the driver runs one task in memory
        driver = new TopologyTestDriver(LedgerTopology.build(config, registry), props, Instant.ofEpochMilli(start));
        topics = config.topics();
        now = start;
        usage = driver.createInputTopic(topics.usage(), new ByteArraySerializer(), new ByteArraySerializer());
        prices = driver.createInputTopic(topics.prices(), new StringSerializer(), new ByteArraySerializer());
        policies = driver.createInputTopic(topics.policies(), new StringSerializer(), new ByteArraySerializer());
        holdRequests = driver.createInputTopic(topics.holdRequests(), new StringSerializer(), new ByteArraySerializer());
        rejected = driver.createOutputTopic(topics.rejected(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        breaches = driver.createOutputTopic(topics.breaches(), new StringDeserializer(),
                new AvroDeserializer<>(BudgetBreach.class, registry));
        holdEvents = driver.createOutputTopic(topics.holds(), new StringDeserializer(), new ByteArrayDeserializer());
        decisions = driver.createOutputTopic(topics.decisions(), new StringDeserializer(),
                new AvroDeserializer<>(EnforcementDecision.class, registry));
        settings.put(LedgerStreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("reports").toString());
        Properties reportProps = new LedgerStreamsConfig(settings).reportingProperties();
        reportProps.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        reports = new TopologyTestDriver(ReportingTopology.build(config, registry), reportProps, Instant.ofEpochMilli(start));
        rated = driver.createOutputTopic(topics.rated(), new StringDeserializer(), new ByteArrayDeserializer());
        reportsRated = reports.createInputTopic(topics.rated(), new StringSerializer(), new ByteArraySerializer());
        reportsSeeds = reports.createOutputTopic(topics.seeds(), new StringDeserializer(), new ByteArrayDeserializer());
        seeds = driver.createInputTopic(topics.seeds(), new StringSerializer(), new ByteArraySerializer());
    }

    /** Moves the rated records to the reporting part and its seed answers back, until neither has more. */
    private void pump() {
        for (var batch = rated.readRecordsToList(); !batch.isEmpty(); batch = rated.readRecordsToList()) {
            batch.forEach(reportsRated::pipeInput);
            reportsSeeds.readRecordsToList().forEach(seeds::pipeInput);
        }
    }

    void apply(Input input) {
        lastSent = null;
        switch (input) {
            case UsageIn u -> {
                lastSent = u.flaw() == Flaw.GARBAGE ? new byte[] {0, 0, 0, 0, 1, 42} : u.event() == null ? null
                        : serializer.serialize(topics.usage(), u.event());
                usage.pipeInput(u.key().getBytes(StandardCharsets.UTF_8), lastSent, Instant.ofEpochMilli(u.timestamp()));
            }
            case PriceIn p -> prices.pipeInput(p.key(), p.price() == null ? null : serializer.serialize(topics.prices(), p.price()),
                    p.price() == null ? Instant.ofEpochMilli(now) : p.price().getEffectiveFrom());
            case PolicyIn p -> policies.pipeInput(p.id(), p.policy() == null ? null : serializer.serialize(topics.policies(), p.policy()),
                    Instant.ofEpochMilli(now));
            case HoldIn h -> {
                lastSent = serializer.serialize(topics.holdRequests(), h.event());
                holdRequests.pipeInput(h.event().getTenantId(), lastSent, h.event().getOccurredAt());
            }
            case AdvanceIn a -> {
                if (a.ms() > 0) {
                    now += a.ms();
                    driver.advanceWallClockTime(Duration.ofMillis(a.ms()));
                }
            }
        }
        pump();
    }

    /** What the last step put on the output topics. */
    TopologyModelSnapshot takeOutputs() {
        TopologyModelSnapshot s = new TopologyModelSnapshot();
        for (var record : rejected.readRecordsToList()) {
            s.count("out rejected " + (Arrays.equals(record.value(), lastSent) ? "this input" : "other: "
                    + new String(record.headers().lastHeader("ledger.reject.reason").value(), StandardCharsets.UTF_8)));
        }
        for (BudgetBreach b : breaches.readValuesToList()) {
            s.count("out breach " + breachText(b));
        }
        for (byte[] bytes : holdEvents.readValuesToList()) {
            HoldEvent e = holdDeserializer.deserialize("", bytes);
            switch (e.getType()) {
                case placed, settled, voided, expired -> s.count(TopologyModelSnapshot.holdEventLine(e.getType().name(), e.getHoldId(),
                        e.getSettledByEventId(), e.getActualCostMicros()));
                default -> s.count("out hold-event unexpected " + e.getType() + " " + e.getHoldId());
            }
        }
        for (EnforcementDecision d : decisions.readValuesToList()) {
            List<String> budgets = new ArrayList<>();
            for (BudgetVerdict v : d.getBudgets()) {
                budgets.add(TopologyModelSnapshot.budgetText(v.getPolicyId(), v.getSubject().getType().name(), v.getSubject().getId(),
                        v.getUsed(), v.getHeld(), v.getLimit(), v.getVerdict().name()));
            }
            budgets.sort(null);
            s.put("out decision " + d.getHoldId(), "decision=" + d.getDecision() + " budgets=" + budgets);
        }
        return s;
    }

    /**
     * Every entry of the stores the model keeps, as the model compares them: minute buckets of the
     * last day only, and counters of periods ending at or after {@code counterHorizon}.
     */
    TopologyModelSnapshot stores(long counterHorizon) {
        TopologyModelSnapshot s = new TopologyModelSnapshot();
        KeyValueStore<String, Totals> months = driver.getKeyValueStore(Names.TOTALS_MONTH_STORE);
        forEach(months, kv -> s.put(TopologyModelSnapshot.totalsLine("tenant-month", kv.key, null), totals(kv.value)));
        reportedMonths(s);
        KeyValueStore<String, PolicyCounter> counters = driver.getKeyValueStore(Names.POLICY_COUNTER_STORE);
        forEach(counters, kv -> {
            if (kv.value.periodEndMillis() >= counterHorizon) {
                s.put(TopologyModelSnapshot.counterLine(kv.key), TopologyModelSnapshot.counterValue(kv.value.used(),
                        Arrays.stream(kv.value.crossed()).boxed().toList(), kv.value.late()));
            }
        });
        WindowStore<String, Long> rolling = driver.getWindowStore(Names.ROLLING_COUNTER_STORE);
        forEach(rolling.all(), kv -> s.put(TopologyModelSnapshot.rollingLine(kv.key.key(), kv.key.window().start()), kv.value.toString()));
        KeyValueStore<String, Long> held = driver.getKeyValueStore(Names.HELD_STORE);
        forEach(held, kv -> s.put(TopologyModelSnapshot.heldLine(kv.key), kv.value.toString()));
        KeyValueStore<String, HoldState> holds = driver.getKeyValueStore(Names.HOLD_STORE);
        forEach(holds, kv -> {
            TreeMap<String, Long> lines = new TreeMap<>();
            for (HeldLine line : kv.value.getLines()) {
                lines.merge(line.getKey(), line.getAmount(), Long::sum);
            }
            s.put(TopologyModelSnapshot.holdLine(kv.key), TopologyModelSnapshot.holdValue(kv.value.getState().name(),
                    kv.value.getExpiresAt().toEpochMilli(), lines, kv.value.getSettledByEventId(), kv.value.getActualCostMicros()));
        });
        WindowStore<String, Long> dedupe = driver.getWindowStore(Names.DEDUPE_STORE);
        forEach(dedupe.all(), kv -> s.put(TopologyModelSnapshot.dedupeLine(kv.key.key(), kv.key.window().start()), "seen"));
        KeyValueStore<String, BudgetBreach> breachStore = driver.getKeyValueStore(Names.BREACH_STORE);
        forEach(breachStore, kv -> s.count("breach-store " + breachText(kv.value)));
        return s;
    }

    /** Every scope's UTC months as the reporting part reads them from its blocks (the tenant's, and each member of each dimension). */
    private void reportedMonths(TopologyModelSnapshot s) {
        WindowStore<String, ReportBlock> quarters = reports.getWindowStore(Names.REPORT_QUARTER_STORE);
        ReportStore store = new ReportStore(quarters, reports.getWindowStore(Names.REPORT_HOUR_STORE),
                reports.getWindowStore(Names.REPORT_DAY_STORE));
        TreeMap<String, TreeSet<YearMonth>> months = new TreeMap<>();
        forEach(quarters.all(), kv -> months.computeIfAbsent(kv.key.key().substring(0, kv.key.key().indexOf('\u0000')), t -> new TreeSet<>())
                .add(YearMonth.from(Instant.ofEpochMilli(kv.key.window().start()).atZone(ZoneOffset.UTC))));
        months.forEach((tenant, yearMonths) -> yearMonths.forEach(month -> {
            PeriodWindow period = new PeriodWindow(month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                    month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant());
            Totals tenantTotals = store.totals(tenant, SubjectType.tenant, tenant, period);
            if (tenantTotals.events() > 0) {
                s.put(monthLine(tenant, SubjectType.tenant, tenant, month), totals(tenantTotals));
            }
            for (SubjectType type : SubjectType.values()) {
                if (type != SubjectType.tenant) {
                    store.breakdown(tenant, SubjectType.tenant, tenant, type, period)
                            .forEach((member, t) -> s.put(monthLine(tenant, type, member, month), totals(t)));
                }
            }
        }));
    }

    private static String monthLine(String tenant, SubjectType type, String id, YearMonth month) {
        return TopologyModelSnapshot.totalsLine("month", TopologyModelKeys.month(TopologyModelKeys.scope(tenant, type, id), month.toString()),
                null);
    }

    private static <K, V> void forEach(KeyValueStore<K, V> store, java.util.function.Consumer<KeyValue<K, V>> each) {
        forEach(store.all(), each);
    }

    private static <K, V> void forEach(KeyValueIterator<K, V> iterator, java.util.function.Consumer<KeyValue<K, V>> each) {
        try (iterator) {
            iterator.forEachRemaining(each);
        }
    }

    private static String totals(Totals t) {
        return TopologyModelSnapshot.totalsValue(new long[] {t.costMicros(), t.inputTokens(), t.outputTokens(), t.cachedInputTokens(),
                t.reasoningTokens(), t.requests(), t.events(), t.errors(), t.unpriced(), t.latencyMsSum()});
    }

    private static String breachText(BudgetBreach b) {
        return TopologyModelSnapshot.breachText(b.getTenantId(), b.getPolicyId(), b.getSubject().getType().name(), b.getSubject().getId(),
                b.getMetric().name(), b.getPeriodStart().toEpochMilli(), b.getPeriodEnd().toEpochMilli(), b.getThreshold(), b.getLimit(),
                b.getUsedAtCrossing(), b.getCrossingEventId(), b.getCrossingOccurredAt().toEpochMilli());
    }

    @Override
    public void close() {
        driver.close();
        reports.close();
    }
}
