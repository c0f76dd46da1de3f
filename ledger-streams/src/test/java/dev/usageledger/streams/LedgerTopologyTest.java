package dev.usageledger.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.streams.errors.RejectHeaders;
import dev.usageledger.streams.state.RejectedStore;
import dev.usageledger.streams.model.Totals;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-20T12:00:00Z");

    @TempDir
    Path state;
    private TopologyFixture ledger;

    @BeforeEach
    void start() {
        ledger = new TopologyFixture(state, Map.of(), true);
    }

    @AfterEach
    void stop() {
        ledger.close();
    }

    @Test
    void shouldCountAnEventIdOnceEvenWhenTheDuplicateCarriesOtherNumbers() {
        ledger.send(TopologyFixture.event("e-1", "acme", T0).setCostMicros(1_500L).setInputTokens(100).build(), T0);
        ledger.send(TopologyFixture.event("e-1", "acme", T0).setCostMicros(1_500L).setInputTokens(100).build(), T0.plusSeconds(1));
        ledger.send(TopologyFixture.event("e-1", "acme", T0.plusSeconds(5)).setCostMicros(9_999L).build(), T0.plusSeconds(5));
        ledger.send(TopologyFixture.event("e-2", "acme", T0).setCostMicros(500L).build(), T0.plusSeconds(6));
        ledger.send(TopologyFixture.event("e-1", "globex", T0).setCostMicros(700L).build(), T0.plusSeconds(7));

        // the rated topic carries each counted event once, keyed by tenant, with where it came from
        assertThat(ledger.ratedRecords()).extracting(r -> r.key() + "/" + r.value().getUsage().getEventId() + " "
                        + r.value().getCostMicros() + " @" + r.value().getSourcePartition() + ":" + r.value().getSourceOffset())
                .containsExactly("acme/e-1 1500 @0:0", "acme/e-2 500 @0:3", "globex/e-1 700 @0:4");
        Totals acme = ledger.month("acme", SubjectType.tenant, "acme", "2026-11");
        assertThat(acme.costMicros()).isEqualTo(2_000L);
        assertThat(acme.events()).isEqualTo(2);
        assertThat(acme.inputTokens()).isEqualTo(100);
        assertThat(ledger.month("globex", SubjectType.tenant, "globex", "2026-11").costMicros())
                .as("the same id in another tenant is another event").isEqualTo(700L);
        assertThat(ledger.rejected.isEmpty()).as("duplicates are not errors").isTrue();
    }

    @Test
    void shouldMarkOnTheRatedTopicHowFarThePartitionWasProcessed() {
        ledger.send(TopologyFixture.event("a", "acme", T0).setCostMicros(5L).build(), T0);
        ledger.send(TopologyFixture.event("a", "acme", T0).setCostMicros(5L).build(), T0.plusSeconds(1));
        ledger.driver.advanceWallClockTime(Duration.ofSeconds(1));
        ledger.driver.advanceWallClockTime(Duration.ofSeconds(1));

        assertThat(ledger.ratedRecords().stream().map(TestRecord::value).toList()).as("the duplicate leaves only the mark; no new record, no second mark")
                .extracting(r -> (r.getUsage() == null ? "mark" : r.getUsage().getEventId()) + " @" + r.getSourceOffset())
                .containsExactly("a @0", "mark @1");
    }

    @Test
    void shouldRejectEveryBadInputWithItsReasonAndTheOriginalBytes() {
        UsageEvent good = TopologyFixture.event("ok", "acme", T0).build();
        byte[] garbage = "{\"tenant_id\":\"acme\"}".getBytes(StandardCharsets.UTF_8);
        byte[] unknownId = ledger.bytes(good);
        unknownId[4] = 99;

        ledger.send("acme", garbage, T0);
        ledger.send("acme", unknownId, T0);
        ledger.send("acme", Arrays.copyOf(ledger.bytes(good), 9), T0);
        ledger.send(TopologyFixture.event("no-tenant", "", T0).build(), T0);
        ledger.send(TopologyFixture.event("neg", "acme", T0).setOutputTokens(-1).build(), T0);
        ledger.send(TopologyFixture.event("neg-cost", "acme", T0).setCostMicros(-5L).build(), T0);
        ledger.send(TopologyFixture.event("future", "acme", T0.plus(Duration.ofHours(1))).build(), T0);
        ledger.send("globex", ledger.bytes(TopologyFixture.event("wrong-key", "acme", T0).build()), T0);
        ledger.send(TopologyFixture.event("ancient", "acme", T0.minus(Duration.ofDays(801))).build(), T0);
        ledger.send(good, T0);

        List<TestRecord<byte[], byte[]>> out = ledger.rejected.readRecordsToList();
        assertThat(out).extracting(r -> TopologyFixture.header(r, RejectHeaders.REASON)).containsExactly("wrong_magic_byte",
                "unknown_schema_id", "truncated", "missing_tenant", "negative_count", "negative_cost", "future_timestamp",
                "wrong_key", "beyond_retention");
        assertThat(out.getFirst().value()).isEqualTo(garbage);
        assertThat(TopologyFixture.header(out.getFirst(), RejectHeaders.SOURCE_TOPIC)).isEqualTo("ledger.usage.v1");
        assertThat(out).extracting(r -> TopologyFixture.header(r, RejectHeaders.SOURCE_OFFSET))
                .containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8");
        assertThat(TopologyFixture.header(out.get(4), RejectHeaders.DETAIL)).contains("output_tokens must be >= 0, got -1");
        assertThat(ledger.month("acme", SubjectType.tenant, "acme", "2026-11").events()).as("only the good one counts").isEqualTo(1);
        assertThat(ledger.ratedRecords().stream().map(TestRecord::value).toList()).as("only the good one is on the rated topic")
                .extracting(r -> r.getUsage().getEventId() + " @" + r.getSourceOffset()).containsExactly("ok @9");
        // and the tenant's health counts them by reason, under the key they came with (the wrong-keyed one under globex)
        RejectedStore counts = new RejectedStore(ledger.driver.getKeyValueStore(Names.REJECTED_STORE));
        LocalDate day = LocalDate.ofInstant(T0, ZoneOffset.UTC);
        assertThat(counts.byReason("acme", day, day)).containsExactlyEntriesOf(new TreeMap<>(Map.of("wrong_magic_byte", 1L,
                "unknown_schema_id", 1L, "truncated", 1L, "negative_count", 1L, "negative_cost", 1L, "future_timestamp", 1L,
                "beyond_retention", 1L)));
        assertThat(counts.byReason("globex", day, day)).containsExactly(Map.entry("wrong_key", 1L));
        assertThat(counts.byReason("", day, day)).as("keyed by its empty tenant id").containsExactly(Map.entry("missing_tenant", 1L));
        assertThat(counts.byReason("acme", day.plusDays(1), day.plusDays(2))).as("another day").isEmpty();
    }

    @Test
    void shouldRateWithThePriceInForceAtTheEventsTimeAndLetExplicitCostWin() {
        Instant change = T0.minus(Duration.ofDays(2));
        ledger.price("openai", "gpt-4.1-mini", T0.minus(Duration.ofDays(10)), 400_000, 100_000, 1_600_000);
        ledger.price("openai", "gpt-4.1-mini", change, 300_000, 75_000, 1_200_000);
        UsageEvent.Builder call = TopologyFixture.event("x", "acme", T0).setProvider("openai").setModel("gpt-4.1-mini")
                .setInputTokens(1_200).setCachedInputTokens(200).setOutputTokens(300).setReasoningTokens(100);

        ledger.send(UsageEvent.newBuilder(call.build()).setEventId("before").setOccurredAt(change.minusMillis(1)).build(), T0);
        ledger.send(UsageEvent.newBuilder(call.build()).setEventId("after").setOccurredAt(change).build(), T0);
        ledger.send(UsageEvent.newBuilder(call.build()).setEventId("explicit").setCostMicros(42L).build(), T0);
        ledger.send(UsageEvent.newBuilder(call.build()).setEventId("unpriced").setModel("no-such-model").build(), T0);

        // before: 1000*0.4 + 200*0.1 + 400*1.6 = 400 + 20 + 640 = 1060 micros
        // after:  1000*0.3 + 200*0.075 + 400*1.2 = 300 + 15 + 480 = 795 micros
        Totals model = ledger.month("acme", SubjectType.model, "gpt-4.1-mini", "2026-11");
        assertThat(model.costMicros()).isEqualTo(1_060L + 795L + 42L);
        Totals tenant = ledger.month("acme", SubjectType.tenant, "acme", "2026-11");
        assertThat(tenant.costMicros()).isEqualTo(1_897L);
        assertThat(tenant.unpriced()).isEqualTo(1);
        assertThat(tenant.events()).isEqualTo(4);
        assertThat(tenant.inputTokens()).as("unpriced tokens still count").isEqualTo(4 * 1_200L);
        assertThat(ledger.ratedRecords().stream().map(TestRecord::value).toList()).extracting(r -> r.getUsage().getEventId() + " " + r.getCostMicros() + " " + r.getUnpriced())
                .containsExactly("before 1060 false", "after 795 false", "explicit 42 false", "unpriced 0 true");
        assertThat(ledger.driver.metrics().entrySet()).filteredOn(m -> m.getKey().name().equals("unpriced-events-total"))
                .singleElement().satisfies(m -> assertThat(m.getValue().metricValue()).isEqualTo(1.0));
    }

    @Test
    void shouldRateWithAPricePublishedAfterEarlierEventsWereRated() {
        // Given an event rated with the only price (the model's history is then held in memory)
        ledger.price("openai", "gpt-4.1-mini", T0.minus(Duration.ofDays(10)), 400_000, 100_000, 1_600_000);
        UsageEvent call = TopologyFixture.event("first", "acme", T0).setProvider("openai").setModel("gpt-4.1-mini")
                .setInputTokens(1_000).setOutputTokens(0).build();
        ledger.send(call, T0);

        // When a cheaper price from a day ago is published, and an event of now follows
        ledger.price("openai", "gpt-4.1-mini", T0.minus(Duration.ofDays(1)), 200_000, 50_000, 800_000);
        ledger.send(UsageEvent.newBuilder(call).setEventId("second").build(), T0);

        // Then the second is rated with the new price: 1000 * 0.4 = 400, then 1000 * 0.2 = 200
        assertThat(ledger.ratedRecords().stream().map(TestRecord::value).toList()).extracting(r -> r.getUsage().getEventId() + " "
                + r.getCostMicros()).containsExactly("first 400", "second 200");
    }

    @Test
    void shouldLandALateEventInItsOwnDay() {
        Instant monday = Instant.parse("2026-11-16T10:00:00Z");
        ledger.send(TopologyFixture.event("first", "acme", monday).setCostMicros(100L).build(), monday);
        ledger.send(TopologyFixture.event("later", "acme", monday.plus(Duration.ofDays(3))).setCostMicros(200L).build(),
                monday.plus(Duration.ofDays(3)));
        ledger.send(TopologyFixture.event("late", "acme", monday.plusSeconds(60)).setCostMicros(50L).build(),
                monday.plus(Duration.ofDays(3)).plusSeconds(1));

        assertThat(ledger.day("acme", SubjectType.tenant, "acme", Instant.parse("2026-11-16T00:00:00Z")).costMicros()).isEqualTo(150L);
        assertThat(ledger.day("acme", SubjectType.tenant, "acme", Instant.parse("2026-11-19T00:00:00Z")).costMicros()).isEqualTo(200L);
    }

    @Test
    void shouldCountEveryScopeOfAnEvent() {
        ledger.send(TopologyFixture.event("e", "acme", T0).setTeamIds(List.of("platform", "research")).setUserId("u1")
                .setApiKeyId("k1").setFeature("codegen").setProvider("openai").setModel("gpt-4.1").setCostMicros(1_000L)
                .setStatus(UsageStatus.error).setLatencyMs(250L).build(), T0);

        for (var scope : List.of(Map.entry(SubjectType.tenant, "acme"), Map.entry(SubjectType.team, "platform"),
                Map.entry(SubjectType.team, "research"), Map.entry(SubjectType.user, "u1"), Map.entry(SubjectType.api_key, "k1"),
                Map.entry(SubjectType.feature, "codegen"), Map.entry(SubjectType.provider, "openai"),
                Map.entry(SubjectType.model, "gpt-4.1"))) {
            Totals totals = ledger.month("acme", scope.getKey(), scope.getValue(), "2026-11");
            assertThat(totals.costMicros()).as(scope.toString()).isEqualTo(1_000L);
            assertThat(totals.errors()).as(scope.toString()).isEqualTo(1);
            assertThat(totals.latencyMsSum()).isEqualTo(250L);
        }
    }

    @Test
    void shouldRejectAnEventWhoseSumsOverflowWithNothingOfItCounted() {
        // Given a huge cost at 12:00, then an event at 12:30 of another user, which would take the tenant's month past a long
        long huge = Long.MAX_VALUE - 10;
        ledger.send(TopologyFixture.event("big", "acme", T0).setUserId("u1").setCostMicros(huge).build(), T0);
        Instant later = T0.plus(Duration.ofMinutes(30));
        ledger.send(TopologyFixture.event("more", "acme", later).setUserId("u2").setCostMicros(100L).build(), later);

        // Then it is rejected, and nothing counts it: not its user's month (a fresh total), not the reports
        List<TestRecord<byte[], byte[]>> out = ledger.rejected.readRecordsToList();
        assertThat(out).extracting(r -> TopologyFixture.header(r, RejectHeaders.REASON)).containsExactly("amount_overflow");
        assertThat(ledger.month("acme", SubjectType.user, "u2", "2026-11").events()).isZero();
        assertThat(ledger.month("acme", SubjectType.tenant, "acme", "2026-11").costMicros()).isEqualTo(huge);
        assertThat(ledger.ratedRecords().stream().map(TestRecord::value).toList()).as("only the counted event is on the rated topic")
                .extracting(r -> r.getUsage().getEventId()).containsExactly("big");
    }
}
