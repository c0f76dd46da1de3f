package dev.usageledger.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.model.ReportBlock;
import dev.usageledger.streams.model.ReportCell;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.PeriodCalendar;
import dev.usageledger.streams.rules.PeriodSpec;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.state.ReportStore;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reporting part on its own: counted events in, any period of any zone, breakdowns and trends out. */
class ReportingTopologyTest {
    @TempDir
    Path state;

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final AvroSerializer<RatedUsageEvent> serializer = new AvroSerializer<>(registry, true, false);
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> rated;
    private ReportStore reports;
    private long offset;

    @BeforeEach
    void start() {
        Map<String, Object> settings = new HashMap<>();
        settings.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        settings.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, "http://unused:8081");
        settings.put(LedgerStreamsConfig.STATE_DIR_CONFIG, state.toString());
        LedgerStreamsConfig config = new LedgerStreamsConfig(settings);
        Properties props = config.streamsProperties();
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        driver = new TopologyTestDriver(ReportingTopology.build(config, registry), props);
        rated = driver.createInputTopic(config.topics().rated(), new StringSerializer(), new ByteArraySerializer());
        WindowStore<String, ReportBlock> quarters = driver.getWindowStore(Names.REPORT_QUARTER_STORE);
        WindowStore<String, ReportBlock> hours = driver.getWindowStore(Names.REPORT_HOUR_STORE);
        WindowStore<String, ReportBlock> days = driver.getWindowStore(Names.REPORT_DAY_STORE);
        reports = new ReportStore(quarters, hours, days);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldAnswerADayInKolkataAndInKathmanduFromQuarterHours() {
        // Kolkata is UTC+05:30 and Kathmandu UTC+05:45: their 20 November starts at 18:30 and 18:15 UTC the day before
        counted(call("before-kathmandu", "2026-11-19T18:14:59.999Z").setCostMicros(1L));
        counted(call("kathmandu-start", "2026-11-19T18:15:00Z").setCostMicros(10L));
        counted(call("kolkata-start", "2026-11-19T18:30:00Z").setCostMicros(100L));
        counted(call("midday", "2026-11-20T06:00:00Z").setCostMicros(1_000L));
        counted(call("kathmandu-end", "2026-11-20T18:14:59.999Z").setCostMicros(10_000L));
        counted(call("kolkata-end", "2026-11-20T18:29:59.999Z").setCostMicros(100_000L));
        counted(call("after-kolkata", "2026-11-20T18:30:00Z").setCostMicros(1_000_000L));

        Instant noon = Instant.parse("2026-11-20T06:30:00Z");
        PeriodWindow kolkata = PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.day, "Asia/Kolkata"), noon);
        PeriodWindow kathmandu = PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.day, "Asia/Kathmandu"), noon);
        assertThat(kolkata.start()).isEqualTo(Instant.parse("2026-11-19T18:30:00Z"));
        assertThat(kathmandu.start()).isEqualTo(Instant.parse("2026-11-19T18:15:00Z"));

        assertThat(reports.totals("acme", SubjectType.tenant, "acme", kolkata).costMicros()).isEqualTo(100L + 1_000 + 10_000 + 100_000);
        assertThat(reports.totals("acme", SubjectType.tenant, "acme", kathmandu).costMicros()).isEqualTo(10L + 100 + 1_000 + 10_000);
        assertThat(reports.totals("acme", SubjectType.tenant, "acme", kolkata).events()).isEqualTo(4);
    }

    @Test
    void shouldBreakAnyScopeDownByOneDimension() {
        counted(call("a", "2026-11-03T10:00:00Z").setUserId("u1").setTeamIds(List.of("research")).setModel("m1").setCostMicros(1L));
        counted(call("b", "2026-11-10T10:00:00Z").setUserId("u1").setTeamIds(List.of("research")).setModel("m2").setCostMicros(20L));
        counted(call("c", "2026-11-20T23:50:00Z").setUserId("u1").setModel("m1").setCostMicros(300L));
        counted(call("d", "2026-11-21T10:00:00Z").setUserId("u2").setTeamIds(List.of("research")).setModel("m1").setCostMicros(4_000L));
        counted(call("e", "2026-12-01T10:00:00Z").setUserId("u1").setModel("m2").setCostMicros(50_000L));

        PeriodWindow november = PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.month, "Asia/Kolkata"),
                Instant.parse("2026-11-15T00:00:00Z"));
        assertThat(totalsByCost(reports.breakdown("acme", SubjectType.user, "u1", SubjectType.model, november)))
                .isEqualTo(Map.of("m1", 301L, "m2", 20L));
        assertThat(totalsByCost(reports.breakdown("acme", SubjectType.team, "research", SubjectType.user, november)))
                .isEqualTo(Map.of("u1", 21L, "u2", 4_000L));
        assertThat(totalsByCost(reports.breakdown("acme", SubjectType.tenant, "acme", SubjectType.user, november)))
                .isEqualTo(Map.of("u1", 321L, "u2", 4_000L));
        assertThat(totalsByCost(reports.breakdown("acme", SubjectType.model, "m1", SubjectType.team, november)))
                .as("the events that named no team are in the model's totals, not in its breakdown by team")
                .isEqualTo(Map.of("research", 4_001L));
        assertThat(reports.totals("acme", SubjectType.model, "m1", november).costMicros()).isEqualTo(4_301L);
        assertThatThrownBy(() -> reports.breakdown("acme", SubjectType.user, "u1", SubjectType.user, november))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("own dimension");
    }

    @Test
    void shouldTrendByWeekAndMonthInNewYorkAcrossTheEndOfDaylightSaving() {
        // Daylight saving ends in New York on Sunday 1 November 2026 at 02:00 EDT (06:00 UTC)
        counted(call("last-october-second", "2026-11-01T03:59:59.999Z").setCostMicros(1L));
        counted(call("first-november-second", "2026-11-01T04:00:00Z").setCostMicros(10L));
        counted(call("sunday-est", "2026-11-02T04:59:59.999Z").setCostMicros(100L));
        counted(call("monday-est", "2026-11-02T05:00:00Z").setCostMicros(1_000L));
        counted(call("last-november-second", "2026-12-01T04:59:59.999Z").setCostMicros(10_000L));
        counted(call("december", "2026-12-01T05:00:00Z").setCostMicros(100_000L));

        PeriodSpec months = PeriodSpec.calendar(PeriodKind.month, "America/New_York");
        List<PeriodWindow> threeMonths = series(months, Instant.parse("2026-10-15T12:00:00Z"), 3);
        assertThat(threeMonths.get(1)).isEqualTo(new PeriodWindow(Instant.parse("2026-11-01T04:00:00Z"),
                Instant.parse("2026-12-01T05:00:00Z")));
        assertThat(reports.series("acme", SubjectType.tenant, "acme", threeMonths)).extracting(e -> e.getValue().costMicros())
                .containsExactly(1L, 10L + 100 + 1_000 + 10_000, 100_000L);

        PeriodSpec weeks = PeriodSpec.week("America/New_York", DayOfWeek.MONDAY);
        List<PeriodWindow> twoWeeks = series(weeks, Instant.parse("2026-10-28T12:00:00Z"), 2);
        assertThat(twoWeeks.getFirst()).as("the week of the change is an hour longer")
                .isEqualTo(new PeriodWindow(Instant.parse("2026-10-26T04:00:00Z"), Instant.parse("2026-11-02T05:00:00Z")));
        assertThat(reports.series("acme", SubjectType.tenant, "acme", twoWeeks)).extracting(e -> e.getValue().costMicros())
                .containsExactly(1L + 10 + 100, 1_000L);
    }

    @Test
    void shouldKeepLatencyAndErrorsBesideCostAndTokens() {
        counted(call("ok-fast", "2026-11-20T10:00:00Z").setLatencyMs(100L).setInputTokens(1_000).setOutputTokens(200));
        counted(call("ok-slow", "2026-11-20T10:01:00Z").setLatencyMs(900L).setInputTokens(3_000).setOutputTokens(400));
        counted(call("failed", "2026-11-20T10:02:00Z").setStatus(UsageStatus.error).setLatencyMs(2_000L));
        counted(call("no-latency", "2026-11-20T10:03:00Z"));

        PeriodWindow day = PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.day, "UTC"), Instant.parse("2026-11-20T12:00:00Z"));
        Totals totals = reports.totals("acme", SubjectType.tenant, "acme", day);
        assertThat(totals.events()).isEqualTo(4);
        assertThat(totals.errors()).isEqualTo(1);
        assertThat(totals.latencyMsSum()).isEqualTo(3_000);
        assertThat(totals.latencyEvents()).as("the event without a latency is not averaged in").isEqualTo(3);
        assertThat(totals.inputTokens()).isEqualTo(4_000);
        assertThat(totals.outputTokens()).isEqualTo(600);
    }

    @Test
    void shouldRefuseAPeriodThatDoesNotStartOnAQuarterHour() {
        PeriodWindow odd = new PeriodWindow(Instant.parse("2026-11-20T10:07:00Z"), Instant.parse("2026-11-20T11:00:00Z"));
        assertThatThrownBy(() -> reports.totals("acme", SubjectType.tenant, "acme", odd))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quarter hours");
    }

    @Test
    void shouldReadABlockBackAsItWasWritten() {
        counted(call("x", "2026-11-20T10:00:00Z").setUserId("ü-1").setTeamIds(List.of("a", "b")).setModel("m").setProvider("p")
                .setFeature("f").setApiKeyId("k").setCostMicros(7L).setLatencyMs(3L));
        ReportBlock block = driver.<String, ReportBlock>getWindowStore(Names.REPORT_QUARTER_STORE)
                .fetch(ReportStore.partKey("acme", 0, 0), Instant.parse("2026-11-20T10:00:00Z").toEpochMilli());
        byte[] bytes = ReportBlock.serde().serializer().serialize("t", block);
        ReportBlock copy = ReportBlock.serde().deserializer().deserialize("t", bytes);
        Map<ReportCell, Totals> written = new HashMap<>();
        block.forEach(written::put);
        ReportBlock searched = ReportBlock.serde().deserializer().deserialize("t", bytes);
        written.forEach((cell, totals) -> assertThat(searched.get(cell)).as("%s found in the bytes", cell).isEqualTo(totals));
        assertThat(searched.get(ReportCell.single(SubjectType.user, "someone-else"))).isEqualTo(Totals.ZERO);
        assertThat(searched.get(ReportCell.single(SubjectType.model, "k"))).as("an id of another dimension").isEqualTo(Totals.ZERO);
        assertThat(searched.get(ReportCell.pair(SubjectType.model, "m", SubjectType.team, "c"))).isEqualTo(Totals.ZERO);
        Map<ReportCell, Totals> read = new HashMap<>();
        copy.forEach(read::put);
        assertThat(read).isEqualTo(written);
        // the total, 7 singles (two teams) and the pairs: each team with 5 others, then 10 among user, key, feature, provider, model
        assertThat(written).hasSize(1 + 7 + 2 * 5 + 10)
                .containsKey(ReportCell.pair(SubjectType.model, "m", SubjectType.user, "ü-1"))
                .doesNotContainKey(new ReportCell(SubjectType.team, "a", SubjectType.team, "b"));
        assertThat(copy.get(ReportCell.TOTAL).latencyMsSum()).isEqualTo(3);
    }

    @Test
    void shouldSplitABusyTenantsBucketByUserAndStillAnswerEveryScope() {
        int users = 3_000;
        long expected = 0;
        for (int u = 0; u < users; u++) {
            counted(call("busy-" + u, "2026-11-20T10:00:00Z").setUserId("u" + u).setTeamIds(List.of("t" + u % 2))
                    .setModel("m" + u % 3).setCostMicros((long) u));
            expected += u;
        }
        assertSplit(Names.REPORT_QUARTER_STORE, "2026-11-20T10:00:00Z", users);
        assertBusyDay(users, expected);
        counted(call("next-day", "2026-11-21T02:00:00Z").setUserId("u0").setTeamIds(List.of("t0")).setModel("m0").setCostMicros(0L));
        assertSplit(Names.REPORT_DAY_STORE, "2026-11-20T00:00:00Z", users);
        assertBusyDay(users, expected);
    }

    private void assertSplit(String store, String bucket, int users) {
        WindowStore<String, ReportBlock> blocks = driver.getWindowStore(store);
        long start = Instant.parse(bucket).toEpochMilli();
        ReportBlock header = blocks.fetch(ReportStore.headerKey("acme"), start);
        assertThat(header).as("%s: %d users' cells are past one part's bound", store, users).isNotNull();
        assertThat(header.generation()).isPositive();
        int largest = 0;
        int cells = 0;
        for (int part = 0; part < 1 << header.generation(); part++) {
            ReportBlock block = blocks.fetch(ReportStore.partKey("acme", header.generation(), part), start);
            largest = Math.max(largest, block == null ? 0 : block.size());
            cells += block == null ? 0 : block.size();
        }
        assertThat(largest).isLessThanOrEqualTo(8_000);
        assertThat(cells).as("each user's single and pairs with a team and a model, and 12 cells of no user").isEqualTo(users * 3 + 12);
    }

    private void assertBusyDay(int users, long expected) {
        PeriodWindow utcDay = PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.day, "UTC"), Instant.parse("2026-11-20T12:00:00Z"));
        PeriodWindow kolkata = PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.day, "Asia/Kolkata"),
                Instant.parse("2026-11-20T12:00:00Z"));
        for (PeriodWindow period : List.of(utcDay, kolkata)) {
            assertThat(reports.totals("acme", SubjectType.tenant, "acme", period).costMicros()).isEqualTo(expected);
            assertThat(reports.totals("acme", SubjectType.user, "u2999", period).costMicros()).isEqualTo(2_999L);
            Map<String, Long> byUser = totalsByCost(reports.breakdown("acme", SubjectType.tenant, "acme", SubjectType.user, period));
            assertThat(byUser).hasSize(users).containsEntry("u0", 0L).containsEntry("u1234", 1_234L);
            assertThat(totalsByCost(reports.breakdown("acme", SubjectType.team, "t1", SubjectType.user, period))).hasSize(users / 2)
                    .containsEntry("u1", 1L).doesNotContainKey("u2");
            assertThat(totalsByCost(reports.breakdown("acme", SubjectType.user, "u2999", SubjectType.model, period)))
                    .isEqualTo(Map.of("m" + 2_999 % 3, 2_999L));
            Map<String, Long> byModel = totalsByCost(reports.breakdown("acme", SubjectType.tenant, "acme", SubjectType.model, period));
            assertThat(byModel.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(expected);
            assertThat(totalsByCost(reports.breakdown("acme", SubjectType.model, "m0", SubjectType.user, period))).hasSize(users / 3);
        }
    }

    @Test
    void shouldSumADayOnceItIsOverAndCountLateUsageInItAfterwards() {
        counted(call("d1-a", "2026-11-20T10:00:00Z").setUserId("u1").setModel("m1").setCostMicros(1L));
        counted(call("d1-b", "2026-11-20T23:59:59.999Z").setUserId("u2").setModel("m2").setCostMicros(20L));
        WindowStore<String, ReportBlock> days = driver.getWindowStore(Names.REPORT_DAY_STORE);
        long day = Instant.parse("2026-11-20T00:00:00Z").toEpochMilli();
        assertThat(days.fetch(ReportStore.partKey("acme", 0, 0), day)).as("the day is still being counted: quarters only").isNull();
        PeriodWindow utcDay = PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.day, "UTC"), Instant.parse("2026-11-20T12:00:00Z"));
        PeriodWindow kolkata = PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.day, "Asia/Kolkata"),
                Instant.parse("2026-11-20T12:00:00Z"));
        PeriodWindow week = PeriodCalendar.windowAt(PeriodSpec.week("UTC", DayOfWeek.MONDAY), Instant.parse("2026-11-20T12:00:00Z"));
        assertThat(reports.totals("acme", SubjectType.tenant, "acme", utcDay).costMicros()).isEqualTo(21L);
        assertThat(reports.totals("acme", SubjectType.tenant, "acme", week).costMicros()).isEqualTo(21L);

        counted(call("d2-past-the-lag", "2026-11-21T01:00:00Z").setUserId("u1").setModel("m1").setCostMicros(300L));
        ReportBlock summed = days.fetch(ReportStore.partKey("acme", 0, 0), day);
        assertThat(summed).as("an hour after the day ended, its quarters are summed into a day block").isNotNull();
        assertThat(summed.get(ReportCell.TOTAL).costMicros()).isEqualTo(21L);
        WindowStore<String, ReportBlock> hours = driver.getWindowStore(Names.REPORT_HOUR_STORE);
        assertThat(hours.fetch(ReportStore.partKey("acme", 0, 0), Instant.parse("2026-11-20T10:00:00Z").toEpochMilli())
                .get(ReportCell.TOTAL).costMicros()).as("and into hour blocks").isEqualTo(1L);
        assertThat(hours.fetch(ReportStore.partKey("acme", 0, 0), Instant.parse("2026-11-20T23:00:00Z").toEpochMilli())
                .get(ReportCell.TOTAL).costMicros()).isEqualTo(20L);
        assertThat(reports.totals("acme", SubjectType.tenant, "acme", utcDay).costMicros()).isEqualTo(21L);
        assertThat(reports.totals("acme", SubjectType.tenant, "acme", week).costMicros()).isEqualTo(321L);

        counted(call("d1-late", "2026-11-20T18:00:00Z").setUserId("u2").setModel("m1").setCostMicros(4_000L));
        assertThat(days.fetch(ReportStore.partKey("acme", 0, 0), day).get(ReportCell.TOTAL).costMicros())
                .as("late usage of a summed day goes to its day block as well as its quarter").isEqualTo(4_021L);
        assertThat(hours.fetch(ReportStore.partKey("acme", 0, 0), Instant.parse("2026-11-20T18:00:00Z").toEpochMilli())
                .get(ReportCell.TOTAL).costMicros()).as("and its hour block").isEqualTo(4_000L);
        PeriodWindow afternoon = new PeriodWindow(Instant.parse("2026-11-20T17:45:00Z"), Instant.parse("2026-11-20T23:15:00Z"));
        assertThat(reports.totals("acme", SubjectType.user, "u2", afternoon).costMicros())
                .as("a quarter, whole hours, then a quarter of a summed day").isEqualTo(4_000L);
        assertThat(reports.totals("acme", SubjectType.tenant, "acme", utcDay).costMicros()).isEqualTo(4_021L);
        assertThat(reports.totals("acme", SubjectType.tenant, "acme", kolkata).costMicros())
                .as("Kolkata's 20th ends at 18:30 UTC: the late 18:00 event is in it, the 23:59 one is not").isEqualTo(4_001L);
        assertThat(totalsByCost(reports.breakdown("acme", SubjectType.model, "m1", SubjectType.user, week)))
                .isEqualTo(Map.of("u1", 301L, "u2", 4_000L));

        counted(call("other-tenant-late", "2026-11-20T09:00:00Z").setTenantId("globex").setCostMicros(50_000L));
        assertThat(reports.totals("globex", SubjectType.tenant, "globex", utcDay).costMicros())
                .as("a tenant with no usage in a day already summed gets its day block from its quarters and this event")
                .isEqualTo(50_000L);
        assertThat(days.fetch(ReportStore.partKey("globex", 0, 0), day).get(ReportCell.TOTAL).costMicros()).isEqualTo(50_000L);
    }

    private static UsageEvent.Builder call(String id, String at) {
        return TopologyFixture.event(id, "acme", Instant.parse(at));
    }

    private void counted(UsageEvent.Builder event) {
        UsageEvent usage = event.build();
        long cost = usage.getCostMicros() == null ? 0 : usage.getCostMicros();
        RatedUsageEvent counted = RatedUsageEvent.newBuilder().setUsage(usage).setCostMicros(cost).setUnpriced(usage.getCostMicros() == null)
                .setSourcePartition(0).setSourceOffset(offset++).build();
        rated.pipeInput(usage.getTenantId(), serializer.serialize("rated", counted), usage.getOccurredAt());
    }

    private static List<PeriodWindow> series(PeriodSpec spec, Instant at, int count) {
        List<PeriodWindow> periods = new ArrayList<>();
        PeriodWindow period = PeriodCalendar.windowAt(spec, at);
        for (int i = 0; i < count; i++) {
            periods.add(period);
            period = PeriodCalendar.next(spec, period);
        }
        return periods;
    }

    private static Map<String, Long> totalsByCost(Map<String, Totals> byMember) {
        Map<String, Long> costs = new HashMap<>();
        byMember.forEach((member, totals) -> costs.put(member, totals.costMicros()));
        return costs;
    }
}
