package dev.usageledger.streams.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.PolicyFilters;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.streams.model.RatedUsage;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyRulesTest {
    private static final Period MONTH = Period.newBuilder().setKind(PeriodKind.month).build();
    private static final Period DAY = Period.newBuilder().setKind(PeriodKind.day).build();

    @Test
    void shouldLetASpecificPolicyOverrideTheDefaultOfTheSameMetricAndPeriodOnly() {
        BudgetPolicy eachMonth = policy("each-month", "*", Metric.cost_micros, MONTH, 1_000);
        BudgetPolicy eachDay = policy("each-day", "*", Metric.cost_micros, DAY, 100);
        BudgetPolicy u1Month = policy("u1-month", "u1", Metric.cost_micros, MONTH, 5_000);
        List<BudgetPolicy> all = List.of(eachMonth, eachDay, u1Month);

        assertThat(PolicyRules.governing(all, SubjectType.user, "u1")).containsExactlyInAnyOrder(u1Month, eachDay);
        assertThat(PolicyRules.governing(all, SubjectType.user, "u2")).containsExactlyInAnyOrder(eachMonth, eachDay);
        assertThat(PolicyRules.governing(all, SubjectType.team, "u1")).isEmpty();
    }

    @Test
    void shouldApplyTheMostRestrictiveOfSeveralDefaults() {
        BudgetPolicy loose = policy("loose", "*", Metric.tokens, MONTH, 9_000);
        BudgetPolicy tight = policy("tight", "*", Metric.tokens, MONTH, 2_000);
        BudgetPolicy otherMetric = policy("requests", "*", Metric.requests, MONTH, 10);

        assertThat(PolicyRules.governing(List.of(loose, tight, otherMetric), SubjectType.user, "u9"))
                .containsExactlyInAnyOrder(tight, otherMetric);
    }

    @Test
    void shouldFindTheMembersAnEventBelongsTo() {
        UsageEvent event = UsageEvent.newBuilder().setEventId("e").setTenantId("acme").setOccurredAt(Instant.EPOCH)
                .setTeamIds(List.of("a", "b")).setUserId("u1").build();

        assertThat(PolicyRules.members(SubjectType.team, event)).containsExactly("a", "b");
        assertThat(PolicyRules.members(SubjectType.tenant, event)).containsExactly("acme");
        assertThat(PolicyRules.members(SubjectType.api_key, event)).isEmpty();
    }

    @Test
    void shouldCountATeamListedTwiceOnce() {
        UsageEvent event = UsageEvent.newBuilder().setEventId("e").setTenantId("acme").setOccurredAt(Instant.EPOCH)
                .setTeamIds(List.of("a", "b", "a")).build();

        assertThat(PolicyRules.members(SubjectType.team, event)).containsExactly("a", "b");
        assertThat(Scopes.of(event)).extracting(Scopes.Scope::id).containsExactly("acme", "a", "b");
    }

    @Test
    void shouldMeasureEachMetricAndAdmitByFilters() {
        UsageEvent event = UsageEvent.newBuilder().setEventId("e").setTenantId("acme").setOccurredAt(Instant.EPOCH)
                .setProvider("openai").setInputTokens(100).setCachedInputTokens(40).setOutputTokens(20).setReasoningTokens(5)
                .setRequests(1).build();
        RatedUsage rated = new RatedUsage(event, 777, false);

        assertThat(PolicyRules.amount(policy("p", "*", Metric.tokens, MONTH, 1), rated)).as("cached is part of input").isEqualTo(125);
        assertThat(PolicyRules.amount(policy("p", "*", Metric.cost_micros, MONTH, 1), rated)).isEqualTo(777);
        assertThat(PolicyRules.amount(policy("p", "*", Metric.requests, MONTH, 1), rated)).isEqualTo(1);
        assertThat(PolicyRules.admits(new PolicyFilters(List.of(), List.of("openai"), List.of(), List.of(), List.of()), event)).isTrue();
        assertThat(PolicyRules.admits(new PolicyFilters(List.of("gpt-4.1"), List.of(), List.of(), List.of(), List.of()), event)).isFalse();
    }

    @Test
    void shouldRoundThresholdBoundariesUp() {
        assertThat(PolicyRules.boundary(1_000, 80)).isEqualTo(800);
        assertThat(PolicyRules.boundary(999, 50)).as("499.5 needs 500").isEqualTo(500);
        assertThat(PolicyRules.boundary(1_000, 150)).isEqualTo(1_500);
    }

    private static BudgetPolicy policy(String id, String subject, Metric metric, Period period, long limit) {
        return BudgetPolicy.newBuilder().setPolicyId(id).setTenantId("acme").setSubject(new Subject(SubjectType.user, subject))
                .setFilters(new PolicyFilters(List.of(), List.of(), List.of(), List.of(), List.of())).setMetric(metric).setLimit(limit)
                .setPeriod(period).build();
    }
}
