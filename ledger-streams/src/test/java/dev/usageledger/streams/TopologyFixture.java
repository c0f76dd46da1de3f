package dev.usageledger.streams;

import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.EnforcementDecision;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.PolicyFilters;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.schemas.validation.ImportHeader;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.state.HoldStore;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.state.PolicyCounterStore;
import dev.usageledger.streams.state.DirectoryBook;
import dev.usageledger.streams.state.PriceBook;
import dev.usageledger.streams.state.ReportStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import dev.usageledger.streams.state.JournalEpochStore;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/** The production topology in a TopologyTestDriver, with helpers to feed it and read its stores. */
final class TopologyFixture implements AutoCloseable {
    final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    final LedgerStreamsConfig config;
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> usage;
    final TestInputTopic<String, byte[]> prices;
    final TestOutputTopic<byte[], byte[]> rejected;
    final TestInputTopic<String, byte[]> policies;
    final TestInputTopic<String, byte[]> directory;
    final TestOutputTopic<String, BudgetBreach> breaches;
    final TestInputTopic<String, byte[]> holds;
    final TestInputTopic<String, byte[]> journal;
    final TestOutputTopic<String, byte[]> holdEvents;
    final TestOutputTopic<String, EnforcementDecision> decisions;
    final TestOutputTopic<String, RatedUsageEvent> rated;
    /** The reporting part, fed the rated topic after each input, its seed answers fed back; null unless asked for. */
    private final TopologyTestDriver reports;
    private TestInputTopic<String, byte[]> reportsRated;
    private TestOutputTopic<String, byte[]> reportsSeeds;
    private TestOutputTopic<String, byte[]> ratedBytes;
    private TestInputTopic<String, byte[]> seeds;
    private final java.util.ArrayList<TestRecord<String, RatedUsageEvent>> ratedLog = new java.util.ArrayList<>();
    private final AvroDeserializer<RatedUsageEvent> ratedDeserializer = new AvroDeserializer<>(RatedUsageEvent.class, registry);
    private final AvroSerializer<HoldEvent> holdSerializer = new AvroSerializer<>(registry, true, false);
    private final AvroSerializer<HoldState> holdStateSerializer = new AvroSerializer<>(registry, true, false);
    final AvroDeserializer<HoldEvent> holdDeserializer = new AvroDeserializer<>(HoldEvent.class, registry);
    private final AvroSerializer<UsageEvent> usageSerializer = new AvroSerializer<>(registry, true, false);
    private final AvroSerializer<PriceChange> priceSerializer = new AvroSerializer<>(registry, true, false);
    private final AvroSerializer<BudgetPolicy> policySerializer = new AvroSerializer<>(registry, true, false);
    private final AvroSerializer<DirectoryEntry> directorySerializer = new AvroSerializer<>(registry, true, false);
    private static final Instant T_POLICY = Instant.parse("2026-01-01T00:00:00Z");

    TopologyFixture(Path stateDir, Map<String, Object> overrides) {
        this(stateDir, overrides, false);
    }

    /**
     * @param withReporting also run the reporting part in a driver of its own: after each input, the
     *     rated records go to it and its answers to seed requests come back, until none is left
     */
    TopologyFixture(Path stateDir, Map<String, Object> overrides, boolean withReporting) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        settings.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, "http://unused:8081");
        settings.put(LedgerStreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        settings.putAll(overrides);
        config = new LedgerStreamsConfig(settings);
        Properties props = config.streamsProperties();
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE); // the driver runs one task in memory
        driver = new TopologyTestDriver(LedgerTopology.build(config, registry), props);
        Topics topics = config.topics();
        usage = driver.createInputTopic(topics.usage(), new ByteArraySerializer(), new ByteArraySerializer());
        prices = driver.createInputTopic(topics.prices(), new StringSerializer(), new ByteArraySerializer());
        rejected = driver.createOutputTopic(topics.rejected(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        policies = driver.createInputTopic(topics.policies(), new StringSerializer(), new ByteArraySerializer());
        directory = driver.createInputTopic(topics.directory(), new StringSerializer(), new ByteArraySerializer());
        breaches = driver.createOutputTopic(topics.breaches(), new StringDeserializer(),
                new AvroDeserializer<>(BudgetBreach.class, registry));
        holds = driver.createInputTopic(topics.holdRequests(), new StringSerializer(), new ByteArraySerializer());
        journal = driver.createInputTopic(topics.holdJournal(), new StringSerializer(), new ByteArraySerializer());
        holdEvents = driver.createOutputTopic(topics.holds(), new StringDeserializer(), new ByteArrayDeserializer());
        decisions = driver.createOutputTopic(topics.decisions(), new StringDeserializer(),
                new AvroDeserializer<>(EnforcementDecision.class, registry));
        rated = driver.createOutputTopic(topics.rated(), new StringDeserializer(), new AvroDeserializer<>(RatedUsageEvent.class, registry));
        if (withReporting) {
            Map<String, Object> reportSettings = new HashMap<>(settings);
            reportSettings.put(LedgerStreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("reports").toString());
            Properties reportProps = new LedgerStreamsConfig(reportSettings).reportingProperties();
            reportProps.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
            reports = new TopologyTestDriver(ReportingTopology.build(config, registry), reportProps);
            reportsRated = reports.createInputTopic(topics.rated(), new StringSerializer(), new ByteArraySerializer());
            reportsSeeds = reports.createOutputTopic(topics.seeds(), new StringDeserializer(), new ByteArrayDeserializer());
            ratedBytes = driver.createOutputTopic(topics.rated(), new StringDeserializer(), new ByteArrayDeserializer());
            seeds = driver.createInputTopic(topics.seeds(), new StringSerializer(), new ByteArraySerializer());
        } else {
            reports = null;
        }
    }

    /** Moves rated records to the reporting part and its seed answers back, until neither has more. */
    private void pump() {
        if (reports == null) {
            return;
        }
        for (List<TestRecord<String, byte[]>> batch = ratedBytes.readRecordsToList(); !batch.isEmpty(); batch = ratedBytes.readRecordsToList()) {
            batch.forEach(reportsRated::pipeInput);
            batch.forEach(r -> ratedLog.add(new TestRecord<>(r.key(), ratedDeserializer.deserialize("", r.value()), r.headers(),
                    r.getRecordTime())));
            reportsSeeds.readRecordsToList().forEach(seeds::pipeInput);
        }
    }

    /** Puts a hold request or void on the hold-requests topic, keyed by its tenant, at its own time. */
    void hold(HoldEvent event) {
        holds.pipeInput(event.getTenantId(), holdSerializer.serialize(config.topics().holdRequests(), event), event.getOccurredAt());
        pump();
    }

    /** Puts a decided hold on the hold journal without an epoch, as the transactional writer of earlier versions did. */
    void journal(HoldState decided) {
        journal.pipeInput(decided.getTenantId(), holdStateSerializer.serialize(config.topics().holdJournal(), decided),
                decided.getAnswer().getDecidedAt());
        pump();
    }

    /** Puts a decided hold on the hold journal as the writer of {@code epoch} does: with the epoch in its header. */
    void journal(HoldState decided, long epoch) {
        journal.pipeInput(new TestRecord<>(decided.getTenantId(), holdStateSerializer.serialize(config.topics().holdJournal(), decided),
                new RecordHeaders().add(JournalEpochStore.header(epoch)), decided.getAnswer().getDecidedAt()));
        pump();
    }

    /** Puts an opening mark on the hold journal, as a new writer does first; the journal's n-th record is at offset n - 1. */
    void journalOpened(Instant at) {
        journal.pipeInput(JournalEpochStore.MARK_KEY, null, at);
        pump();
    }

    HoldState holdState(String tenant, String holdId) {
        KeyValueStore<String, HoldState> store = driver.getKeyValueStore(Names.HOLD_STORE);
        return store.get(HoldStore.key(tenant, holdId));
    }

    long held(String tenant, String policyId, String member, Instant periodStart) {
        KeyValueStore<String, Long> store = driver.getKeyValueStore(Names.HELD_STORE);
        Long held = store.get(PolicyCounterStore.key(tenant, policyId, member, periodStart));
        return held == null ? 0 : held;
    }

    /** Publishes {@code event} keyed by its tenant, with the record timestamp {@code producedAt}. */
    void send(UsageEvent event, Instant producedAt) {
        send(event.getTenantId(), usageSerializer.serialize(config.topics().usage(), event), producedAt);
    }

    /** Publishes {@code event} as imported history: keyed by its tenant, with the {@code ledger-import} header naming {@code name}. */
    void sendImported(UsageEvent event, Instant producedAt, String name) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(ImportHeader.NAME, ImportHeader.value(name));
        usage.pipeInput(new TestRecord<>(event.getTenantId().getBytes(StandardCharsets.UTF_8),
                usageSerializer.serialize(config.topics().usage(), event), headers, producedAt));
        pump();
    }

    void send(String key, byte[] value, Instant producedAt) {
        usage.pipeInput(key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, producedAt);
        pump();
    }

    byte[] bytes(UsageEvent event) {
        return usageSerializer.serialize(config.topics().usage(), event);
    }

    void price(String provider, String model, Instant from, long input, long cached, long output) {
        PriceChange price = PriceChange.newBuilder().setProvider(provider).setModel(model).setEffectiveFrom(from)
                .setCurrency("USD").setInputMicrosPerMtok(input).setCachedInputMicrosPerMtok(cached)
                .setOutputMicrosPerMtok(output).build();
        prices.pipeInput(PriceBook.topicKey(provider, model, from.toEpochMilli()),
                priceSerializer.serialize(config.topics().prices(), price), from);
    }

    /** Puts a version of a key directory entry on the directory topic, written at its updated_at. */
    void directory(DirectoryEntry entry) {
        directory.pipeInput(DirectoryBook.topicKey(entry), directorySerializer.serialize(config.topics().directory(), entry),
                entry.getUpdatedAt());
    }

    void policy(BudgetPolicy policy) {
        policies.pipeInput(policy.getPolicyId(), policySerializer.serialize(config.topics().policies(), policy), T_POLICY);
    }

    long counter(String tenant, String policyId, String member, Instant periodStart) {
        PolicyCounter counter = policyCounter(tenant, policyId, member, periodStart);
        return counter == null ? 0 : counter.used();
    }

    /** The part of a counter that is late usage of closed periods. */
    long lateAdjustment(String tenant, String policyId, String member, Instant periodStart) {
        PolicyCounter counter = policyCounter(tenant, policyId, member, periodStart);
        return counter == null ? 0 : counter.late();
    }

    private PolicyCounter policyCounter(String tenant, String policyId, String member, Instant periodStart) {
        KeyValueStore<String, PolicyCounter> store = driver.getKeyValueStore(Names.POLICY_COUNTER_STORE);
        return store.get(PolicyCounterStore.key(tenant, policyId, member, periodStart));
    }

    static BudgetPolicy.Builder policy(String id, String tenant, SubjectType type, String subjectId, long limit, PeriodKind period,
                                       String zone) {
        return BudgetPolicy.newBuilder().setPolicyId(id).setTenantId(tenant).setSubject(new Subject(type, subjectId))
                .setFilters(new PolicyFilters(List.of(), List.of(), List.of(), List.of(), List.of())).setMetric(Metric.cost_micros)
                .setLimit(limit).setPeriod(Period.newBuilder().setKind(period).setTimeZone(zone).build())
                .setThresholds(List.of(50, 80, 100)).setEnforce(true);
    }

    /** What the rated topic received since the last call. */
    List<TestRecord<String, RatedUsageEvent>> ratedRecords() {
        if (reports == null) {
            return rated.readRecordsToList();
        }
        pump();
        List<TestRecord<String, RatedUsageEvent>> taken = List.copyOf(ratedLog);
        ratedLog.clear();
        return taken;
    }

    /** The scope's totals over a UTC month ({@code 2026-11}), as the reporting part reads them. */
    Totals month(String tenant, SubjectType type, String id, String month) {
        YearMonth ym = YearMonth.parse(month);
        return reported(tenant, type, id, new PeriodWindow(ym.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                ym.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant()));
    }

    /** The scope's totals over the UTC day starting at {@code dayStart}, as the reporting part reads them. */
    Totals day(String tenant, SubjectType type, String id, Instant dayStart) {
        return reported(tenant, type, id, new PeriodWindow(dayStart, dayStart.plus(java.time.Duration.ofDays(1))));
    }

    private Totals reported(String tenant, SubjectType type, String id, PeriodWindow period) {
        if (reports == null) {
            throw new IllegalStateException("totals are the reporting part's: build the fixture with it");
        }
        return new ReportStore(reports.getWindowStore(Names.REPORT_QUARTER_STORE), reports.getWindowStore(Names.REPORT_HOUR_STORE),
                reports.getWindowStore(Names.REPORT_DAY_STORE)).totals(tenant, type, id, period);
    }

    static UsageEvent.Builder event(String id, String tenant, Instant at) {
        return UsageEvent.newBuilder().setEventId(id).setTenantId(tenant).setOccurredAt(at).setTeamIds(List.of())
                .setStatus(UsageStatus.ok);
    }

    /** A header of a record the topology wrote, as text; null when absent. */
    static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        driver.close();
        if (reports != null) {
            reports.close();
        }
    }
}
