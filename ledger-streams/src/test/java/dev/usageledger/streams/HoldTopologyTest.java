package dev.usageledger.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.CallScope;
import dev.usageledger.schemas.avro.Estimate;
import dev.usageledger.schemas.avro.EnforcementDecision;
import dev.usageledger.schemas.avro.HeldLine;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.HoldEventType;
import dev.usageledger.schemas.avro.HoldStatus;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.Verdict;
import dev.usageledger.streams.state.PolicyCounterStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The holds step in the driver: placement against used plus held, idempotency, settle, void, expiry by time. */
class HoldTopologyTest {
    private static final Instant DAY = Instant.parse("2026-11-20T00:00:00Z");
    private static final Instant T = DAY.plus(Duration.ofHours(12));

    @TempDir
    Path state;
    private TopologyFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new TopologyFixture(state, Map.of());
        // Given a budget of 1,000 a day for the tenant
        fixture.policy(TopologyFixture.policy("acme-day", "acme", SubjectType.tenant, "acme", 1_000, PeriodKind.day, "UTC").build());
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void shouldGrantExactlyAsManyHoldsAsTheBudgetHasRoomFor() {
        fixture.hold(request("h1", 400, T, T.plusSeconds(600)));
        fixture.hold(request("h2", 700, T.plusMillis(1), T.plusSeconds(600)));
        fixture.hold(request("h3", 600, T.plusMillis(2), T.plusSeconds(600)));

        assertThat(fixture.holdState("acme", "h1").getState()).isEqualTo(HoldStatus.placed);
        assertThat(fixture.holdState("acme", "h2").getState()).as("400 held + 700 > 1,000").isEqualTo(HoldStatus.denied);
        assertThat(fixture.holdState("acme", "h3").getState()).as("400 + 600 fills it exactly").isEqualTo(HoldStatus.placed);
        assertThat(fixture.held("acme", "acme-day", "acme", DAY)).isEqualTo(1_000L);
        assertThat(fixture.decisions.readValuesToList()).extracting(d -> d.getDecision())
                .containsExactly(Verdict.allow, Verdict.deny, Verdict.allow);
    }

    @Test
    void shouldAnswerARetriedHoldIdWithTheFirstAnswerAndReserveOnce() {
        fixture.hold(request("h1", 400, T, T.plusSeconds(600)));
        fixture.hold(request("h1", 900, T.plusMillis(5), T.plusSeconds(600)));

        assertThat(fixture.held("acme", "acme-day", "acme", DAY)).isEqualTo(400L);
        assertThat(fixture.decisions.readValuesToList()).hasSize(1);
    }

    @Test
    void shouldReleaseTheHoldAndCountTheActualUsageWhenTheEventSettlesIt() {
        fixture.hold(request("below", 400, T, T.plusSeconds(600)));
        fixture.hold(request("above", 300, T.plusMillis(1), T.plusSeconds(600)));

        fixture.send(TopologyFixture.event("e1", "acme", T.plusSeconds(1)).setCostMicros(250L).setHoldId("below").build(), T.plusSeconds(1));
        fixture.send(TopologyFixture.event("e2", "acme", T.plusSeconds(2)).setCostMicros(450L).setHoldId("above").build(), T.plusSeconds(2));

        assertThat(fixture.holdState("acme", "below").getState()).isEqualTo(HoldStatus.settled);
        assertThat(fixture.holdState("acme", "below").getActualCostMicros()).isEqualTo(250L);
        assertThat(fixture.holdState("acme", "above").getActualCostMicros()).as("an overrun is counted in full").isEqualTo(450L);
        assertThat(fixture.held("acme", "acme-day", "acme", DAY)).isZero();
        assertThat(fixture.counter("acme", "acme-day", "acme", DAY)).isEqualTo(700L);
        assertThat(holdEventTypes()).containsSubsequence(HoldEventType.placed, HoldEventType.placed, HoldEventType.settled,
                HoldEventType.settled);
    }

    @Test
    void shouldReleaseAVoidedHold() {
        fixture.hold(request("h1", 400, T, T.plusSeconds(600)));

        fixture.hold(control("h1", HoldEventType.void_requested, T.plusSeconds(5)));

        assertThat(fixture.holdState("acme", "h1").getState()).isEqualTo(HoldStatus.voided);
        assertThat(fixture.held("acme", "acme-day", "acme", DAY)).isZero();
        assertThat(holdEventTypes()).contains(HoldEventType.voided);
    }

    @Test
    void shouldForgetFinishedHoldsOnlyOnceKeptPastTheirExpiryForTheLateGrace() {
        // Given a voided hold and a placed one, both expiring within the hour
        Instant now = Instant.now();
        fixture.hold(request("voided", 100, T, now.plusSeconds(600)));
        fixture.hold(control("voided", HoldEventType.void_requested, T.plusSeconds(5)));
        fixture.hold(request("live", 100, T, now.plusSeconds(3_600)));

        // When the wall clock passes the expiries, the placed one expires and both are still answered
        fixture.driver.advanceWallClockTime(Duration.ofHours(2));
        assertThat(fixture.holdState("acme", "voided").getState()).isEqualTo(HoldStatus.voided);
        assertThat(fixture.holdState("acme", "live").getState()).isEqualTo(HoldStatus.expired);

        // When the late grace (7 days by default) has also passed, both are forgotten
        fixture.driver.advanceWallClockTime(Duration.ofDays(7));
        assertThat(fixture.holdState("acme", "voided")).isNull();
        assertThat(fixture.holdState("acme", "live")).isNull();
    }

    @Test
    void shouldExpireAnUnsettledHoldWhenTheClockPassesItsExpiry() {
        // the driver's wall clock started at the real time when it was built, just before this
        Instant now = Instant.now();
        fixture.hold(request("h1", 400, T, now.plusSeconds(60)));
        assertThat(fixture.holdState("acme", "h1").getState()).isEqualTo(HoldStatus.placed);

        // When the wall clock has not reached the expiry, nothing happens
        fixture.driver.advanceWallClockTime(Duration.ofSeconds(30));
        assertThat(fixture.holdState("acme", "h1").getState()).isEqualTo(HoldStatus.placed);

        // When it passes it, the step writes an expired event and the hold is released when it is read back
        fixture.driver.advanceWallClockTime(Duration.ofSeconds(40));
        assertThat(fixture.holdState("acme", "h1").getState()).isEqualTo(HoldStatus.expired);
        assertThat(fixture.held("acme", "acme-day", "acme", DAY)).isZero();
        assertThat(holdEventTypes()).contains(HoldEventType.expired);
    }

    @Test
    void shouldReserveEveryTokenOfTheEstimateOnATokensBudget() {
        // Given a tokens budget of 8,000 a day
        fixture.policy(TopologyFixture.policy("acme-tokens", "acme", SubjectType.tenant, "acme", 8_000, PeriodKind.day, "UTC")
                .setMetric(Metric.tokens).build());
        Estimate estimate = Estimate.newBuilder().setInputTokens(1_000).setCachedInputTokens(400).setOutputTokens(2_000)
                .setReasoningTokens(5_000).build();

        // When a hold asks for input 1,000 (400 cached) + output 2,000 + reasoning 5,000, then another for one token more
        fixture.hold(requestBuilder("all", 0, T, T.plusSeconds(600)).setEstimate(estimate).build());
        fixture.hold(requestBuilder("one-more", 0, T.plusMillis(1), T.plusSeconds(600))
                .setEstimate(Estimate.newBuilder().setInputTokens(1).build()).build());

        // Then the first reserves 8,000 tokens (cached input is part of input; reasoning counts), filling the budget
        assertThat(fixture.holdState("acme", "all").getState()).isEqualTo(HoldStatus.placed);
        assertThat(fixture.held("acme", "acme-tokens", "acme", DAY)).isEqualTo(8_000L);
        assertThat(fixture.holdState("acme", "one-more").getState()).isEqualTo(HoldStatus.denied);
    }

    @Test
    void shouldApplyAJournaledDecisionWithoutDecidingItAgain() {
        // Given the budget is already full, a hold the reservation writer granted earlier is journaled
        fixture.send(TopologyFixture.event("full", "acme", T).setCostMicros(1_000L).build(), T);
        HoldState granted = decided("h1", 400, HoldStatus.placed, T.minusSeconds(1));

        fixture.journal(granted);
        fixture.journal(decided("h2", 300, HoldStatus.denied, T));

        // Then the task applies both as decided: the grant reserves (no new decision against the full budget), the denial reserves nothing
        assertThat(fixture.holdState("acme", "h1").getState()).isEqualTo(HoldStatus.placed);
        assertThat(fixture.held("acme", "acme-day", "acme", DAY)).isEqualTo(400L);
        assertThat(fixture.holdState("acme", "h2").getState()).isEqualTo(HoldStatus.denied);
        assertThat(fixture.decisions.readValuesToList()).extracting(d -> d.getHoldId()).containsExactly("h1", "h2");
        assertThat(holdEventTypes()).containsExactly(HoldEventType.placed);
    }

    @Test
    void shouldKeepAHoldSettledWhenItsUsageIsReadBeforeItsJournaledDecision() {
        // Given usage that names a hold whose journal record the task has not read yet
        fixture.send(TopologyFixture.event("e1", "acme", T).setCostMicros(250L).setHoldId("early").build(), T);

        // When the journaled grant arrives after it
        fixture.journal(decided("early", 400, HoldStatus.placed, T.minusSeconds(1)));

        // Then the hold is settled by that usage and reserves nothing
        HoldState hold = fixture.holdState("acme", "early");
        assertThat(hold.getState()).isEqualTo(HoldStatus.settled);
        assertThat(hold.getSettledByEventId()).isEqualTo("e1");
        assertThat(hold.getActualCostMicros()).isEqualTo(250L);
        assertThat(fixture.held("acme", "acme-day", "acme", DAY)).isZero();
        assertThat(fixture.counter("acme", "acme-day", "acme", DAY)).isEqualTo(250L);
    }

    @Test
    void shouldApplyOnlyTheDecisionsOfTheWriterWhoseMarkIsNewest() {
        // Given writer A opened the journal (its mark at offset 0 is its epoch) and journaled a grant
        fixture.journalOpened(T);
        fixture.journal(decided("a1", 100, HoldStatus.placed, T), 0);
        // When writer B opens (its mark at offset 2), and A, fenced but still running, journals another grant after it
        fixture.journalOpened(T.plusSeconds(1));
        fixture.journal(decided("a2", 200, HoldStatus.placed, T.plusSeconds(1)), 0);
        fixture.journal(decided("b1", 300, HoldStatus.placed, T.plusSeconds(2)), 2);
        // and a decision of the transactional writer of earlier versions, which carried no epoch
        fixture.journal(decided("old", 50, HoldStatus.placed, T.plusSeconds(3)));

        // Then A's grant before B's mark and B's grant count; A's grant after B's mark is not applied
        assertThat(fixture.holdState("acme", "a1").getState()).isEqualTo(HoldStatus.placed);
        assertThat(fixture.holdState("acme", "a2")).isNull();
        assertThat(fixture.holdState("acme", "b1").getState()).isEqualTo(HoldStatus.placed);
        assertThat(fixture.holdState("acme", "old").getState()).isEqualTo(HoldStatus.placed);
        assertThat(fixture.held("acme", "acme-day", "acme", DAY)).isEqualTo(100L + 300L + 50L);
        assertThat(fixture.decisions.readValuesToList()).extracting(d -> d.getHoldId()).containsExactly("a1", "b1", "old");
    }

    /** A decision as the reservation writer journals it: placed with one line on the day budget, or denied. */
    private static HoldState decided(String id, long amount, HoldStatus state, Instant at) {
        EnforcementDecision answer = EnforcementDecision.newBuilder().setDecisionId(id).setTenantId("acme").setDecidedAt(at)
                .setDecision(state == HoldStatus.placed ? Verdict.allow : Verdict.deny).setScope(CallScope.newBuilder().setUserId("u1").build())
                .setEstimate(Estimate.newBuilder().setCostMicros(amount).build()).setHoldId(id).build();
        List<HeldLine> lines = state == HoldStatus.placed
                ? List.of(new HeldLine(PolicyCounterStore.key("acme", "acme-day", "acme", DAY), amount)) : List.of();
        return HoldState.newBuilder().setHoldId(id).setTenantId("acme").setState(state).setExpiresAt(at.plusSeconds(600))
                .setLines(lines).setAnswer(answer).build();
    }

    private List<HoldEventType> holdEventTypes() {
        return fixture.holdEvents.readValuesToList().stream().map(bytes -> fixture.holdDeserializer.deserialize("", bytes).getType())
                .toList();
    }

    private static HoldEvent request(String id, long cost, Instant at, Instant expiresAt) {
        return requestBuilder(id, cost, at, expiresAt).build();
    }

    private static HoldEvent.Builder requestBuilder(String id, long cost, Instant at, Instant expiresAt) {
        return HoldEvent.newBuilder().setHoldId(id).setTenantId("acme").setType(HoldEventType.requested).setOccurredAt(at)
                .setExpiresAt(expiresAt).setScope(CallScope.newBuilder().setUserId("u1").build())
                .setEstimate(Estimate.newBuilder().setCostMicros(cost).build());
    }

    private static HoldEvent control(String id, HoldEventType type, Instant at) {
        return HoldEvent.newBuilder().setHoldId(id).setTenantId("acme").setType(type).setOccurredAt(at)
                .setScope(CallScope.newBuilder().build()).setEstimate(Estimate.newBuilder().build()).build();
    }
}
