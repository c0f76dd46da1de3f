package dev.usageledger.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.errors.RejectHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An event is counted wholly or not at all: in every total, every policy counter and its
 * breaches, with its dedupe mark — or nowhere, on the rejected topic with a reason that says why.
 */
class WholeEventTest {
    private static final Instant T0 = Instant.parse("2026-11-20T15:00:00Z");
    private static final Instant DAY = Instant.parse("2026-11-20T00:00:00Z");

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
    void shouldCountAnEventWhollyUnderAPolicyWhoseLimitTimesAThresholdExceedsALong() {
        // Given a budget written on the topic with Long.MAX_VALUE as its limit ("unlimited") and thresholds up to 1000 %
        ledger.policy(TopologyFixture.policy("huge", "acme", SubjectType.tenant, "acme", Long.MAX_VALUE, PeriodKind.day, "UTC")
                .setThresholds(List.of(50, 100, 1000)).setSoftLimitPct(80).build());

        // When an event is published
        ledger.send(TopologyFixture.event("e1", "acme", T0).setCostMicros(1_500L).build(), T0);

        // Then it is counted everywhere, crosses nothing and is not rejected
        assertThat(ledger.rejected.readRecordsToList()).isEmpty();
        assertThat(ledger.day("acme", SubjectType.tenant, "acme", DAY).costMicros()).isEqualTo(1_500L);
        assertThat(ledger.counter("acme", "huge", "acme", DAY)).isEqualTo(1_500L);
        assertThat(ledger.breaches.readValuesToList()).isEmpty();
    }

    @Test
    void shouldLeaveNothingOfAnEventWhoseCounterWouldOverflowAndCountItsCorrectedResend() {
        // Given a tokens budget: input + output tokens of one event can exceed a long while each fits its own total
        ledger.policy(TopologyFixture.policy("tokens", "acme", SubjectType.tenant, "acme", 1_000_000, PeriodKind.day, "UTC")
                .setMetric(Metric.tokens).setThresholds(List.of(100)).build());
        long half = Long.MAX_VALUE / 2 + 1;

        // When an event whose tokens overflow the counter arrives, then a corrected re-send with the same id
        ledger.send(TopologyFixture.event("e1", "acme", T0).setCostMicros(10L).setInputTokens(half).setOutputTokens(half).build(), T0);
        List<TestRecord<byte[], byte[]>> rejected = ledger.rejected.readRecordsToList();
        ledger.send(TopologyFixture.event("e1", "acme", T0).setCostMicros(10L).setInputTokens(600_000L).setOutputTokens(500_000L)
                .build(), T0.plusSeconds(1));

        // Then the first is rejected as amount_overflow with nothing of it counted, and the re-send counts in full
        assertThat(rejected).extracting(r -> TopologyFixture.header(r, RejectHeaders.REASON)).containsExactly("amount_overflow");
        assertThat(TopologyFixture.header(rejected.getFirst(), RejectHeaders.DETAIL)).contains("e1").contains("nothing of it was counted");
        assertThat(ledger.day("acme", SubjectType.tenant, "acme", DAY).inputTokens()).isEqualTo(600_000L);
        assertThat(ledger.day("acme", SubjectType.tenant, "acme", DAY).events()).isEqualTo(1);
        assertThat(ledger.counter("acme", "tokens", "acme", DAY)).isEqualTo(1_100_000L);
        assertThat(ledger.breaches.readValuesToList()).extracting(BudgetBreach::getUsedAtCrossing).containsExactly(1_100_000L);
        assertThat(ledger.rejected.readRecordsToList()).isEmpty();
    }
}
