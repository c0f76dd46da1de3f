package dev.usageledger.streams.decision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.PolicyFilters;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.rules.CallDimensions;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyIndex;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeciderTest {
    private static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
    private static final CallDimensions CALL = new CallDimensions("acme", List.of("platform"), "u1", "k1", "codegen", "openai",
            "gpt-4.1-mini", "/v1/chat/completions", null);

    /** Usage by policy id and member; rolling buckets by policy id. */
    private final Map<String, Long> used = new HashMap<>();
    private final Map<String, Long> held = new HashMap<>();
    private final Map<String, long[][]> rolling = new HashMap<>();
    private final UsageSource source = new UsageSource() {
        @Override
        public long used(BudgetPolicy policy, String member, PeriodWindow period) {
            return used.getOrDefault(policy.getPolicyId() + "/" + member, 0L);
        }

        @Override
        public long held(BudgetPolicy policy, String member, PeriodWindow period) {
            return held.getOrDefault(policy.getPolicyId() + "/" + member, 0L);
        }

        @Override
        public long[][] rollingBuckets(BudgetPolicy policy, String member, long atMs) {
            return rolling.getOrDefault(policy.getPolicyId(), new long[0][]);
        }
    };

    @Test
    void shouldAllowWithNoBudgetsWhenNoPolicyApplies() {
        Decision decision = decide(1_500, List.of(policy("other-team", SubjectType.team, "data", 10, true)));

        assertThat(decision.decision()).isEqualTo(Verdict.allow);
        assertThat(decision.budgets()).isEmpty();
        assertThat(decision.reasons()).isEmpty();
    }

    @Test
    void shouldDenyWhenTheEstimateExceedsWhatRemains() {
        BudgetPolicy daily = policy("user-day", SubjectType.user, "*", 300_000, true);
        used.put("user-day/u1", 299_000L);

        Decision decision = decide(1_500, List.of(daily));

        assertThat(decision.decision()).isEqualTo(Verdict.deny);
        assertThat(decision.reasons()).containsExactly("estimate_exceeds_remaining");
        BudgetLine line = decision.budgets().getFirst();
        assertThat(line.member()).isEqualTo("u1");
        assertThat(line.used()).isEqualTo(299_000L);
        assertThat(line.remaining()).isEqualTo(1_000L);
        assertThat(line.pctAfter()).isEqualByComparingTo("100.17");
        assertThat(line.period().start()).isEqualTo(Instant.parse("2026-11-20T00:00:00Z"));
        assertThat(line.period().end()).isEqualTo(Instant.parse("2026-11-21T00:00:00Z"));
    }

    @Test
    void shouldAllowAnEstimateThatExactlyFillsTheBudget() {
        BudgetPolicy daily = policy("user-day", SubjectType.user, "*", 300_000, true);
        used.put("user-day/u1", 298_500L);

        assertThat(decide(1_500, List.of(daily)).decision()).isEqualTo(Verdict.allow);
    }

    @Test
    void shouldDenyWithHardLimitWhenUsedAndHeldReachTheLimit() {
        BudgetPolicy daily = policy("user-day", SubjectType.user, "*", 300_000, true);
        used.put("user-day/u1", 200_000L);
        held.put("user-day/u1", 100_000L);

        Decision decision = decide(0, List.of(daily));

        assertThat(decision.decision()).isEqualTo(Verdict.deny);
        assertThat(decision.reasons()).containsExactly("hard_limit");
        assertThat(decision.budgets().getFirst().remaining()).isZero();
    }

    @Test
    void shouldWarnInsteadOfDenyWhenThePolicyIsNotEnforced() {
        BudgetPolicy daily = policy("user-day", SubjectType.user, "*", 1_000, false);
        used.put("user-day/u1", 1_000L);

        Decision decision = decide(10, List.of(daily));

        assertThat(decision.decision()).isEqualTo(Verdict.warn);
        assertThat(decision.reasons()).containsExactly("hard_limit");
    }

    @Test
    void shouldWarnPastTheSoftLimit() {
        BudgetPolicy daily = BudgetPolicy.newBuilder(policy("user-day", SubjectType.user, "*", 1_000, true)).setSoftLimitPct(80).build();
        used.put("user-day/u1", 790L);

        Decision decision = decide(10, List.of(daily));

        assertThat(decision.decision()).isEqualTo(Verdict.warn);
        assertThat(decision.reasons()).containsExactly("soft_limit");
        assertThat(decide(9, List.of(daily)).decision()).isEqualTo(Verdict.allow);
    }

    @Test
    void shouldJudgeAPolicyWithTheLargestLimitAndASoftLimitWithoutOverflow() {
        // a policy written on the topic may hold any limit; limit x soft limit % exceeds a long here
        BudgetPolicy huge = BudgetPolicy.newBuilder(policy("huge", SubjectType.user, "*", Long.MAX_VALUE, true)).setSoftLimitPct(80).build();
        used.put("huge/u1", Long.MAX_VALUE - 5);
        held.put("huge/u1", 100L);

        Decision decision = decide(10, List.of(huge));

        assertThat(decision.decision()).as("used + held + estimate is past any limit: deny, not an overflow")
                .isEqualTo(Verdict.deny);
        assertThat(decision.budgets().getFirst().remaining()).isZero();
        assertThat(decide(0, List.of(BudgetPolicy.newBuilder(huge).setSoftLimitPct(80).build())).decision()).isEqualTo(Verdict.deny);
    }

    @Test
    void shouldWarnFromASoftLimitGivenAsAnAmount() {
        BudgetPolicy daily = BudgetPolicy.newBuilder(policy("user-day", SubjectType.user, "*", 1_000, true)).setSoftLimit(700L).build();
        used.put("user-day/u1", 690L);

        assertThat(decide(10, List.of(daily)).reasons()).containsExactly("soft_limit");
        assertThat(decide(9, List.of(daily)).decision()).isEqualTo(Verdict.allow);
    }

    @Test
    void shouldCountAndDecideNothingWithAPausedBudget() {
        BudgetPolicy paused = BudgetPolicy.newBuilder(policy("user-day", SubjectType.user, "*", 1_000, true)).setActive(false).build();
        used.put("user-day/u1", 5_000L);

        Decision decision = decide(10, List.of(paused));

        assertThat(decision.decision()).as("over its limit, but paused").isEqualTo(Verdict.allow);
        assertThat(decision.budgets().getFirst().used()).isEqualTo(5_000L);
        assertThat(decision.budgets().getFirst().limit()).isEqualTo(1_000L);
    }

    @Test
    void shouldApplyAOneOffBudgetWithinItsWindowOnly() {
        BudgetPolicy quarter = BudgetPolicy.newBuilder(policy("research-q4", SubjectType.user, "*", 1_000, true)).setAutoRenew(false)
                .setPeriod(dev.usageledger.schemas.avro.Period.newBuilder().setKind(dev.usageledger.schemas.avro.PeriodKind.interval)
                        .setAnchor(NOW.minus(java.time.Duration.ofDays(10))).setEveryMs(java.time.Duration.ofDays(92).toMillis()).build())
                .build();
        BudgetPolicy ended = BudgetPolicy.newBuilder(quarter).setPolicyId("research-q3")
                .setPeriod(dev.usageledger.schemas.avro.Period.newBuilder(quarter.getPeriod()).setAnchor(NOW.minus(java.time.Duration.ofDays(100)))
                        .build()).build();

        Decision decision = decide(10, List.of(quarter, ended));

        assertThat(decision.budgets()).extracting(line -> line.policy().getPolicyId()).containsExactly("research-q4");
        assertThat(decision.budgets().getFirst().period().start()).isEqualTo(NOW.minus(java.time.Duration.ofDays(10)));
    }

    @Test
    void shouldOnlyCountWithAnUnlimitedPolicy() {
        BudgetPolicy watch = BudgetPolicy.newBuilder(policy("watch", SubjectType.user, "*", 0, true)).setUnlimited(true).build();
        used.put("watch/u1", 5_000_000L);

        Decision decision = decide(1_000_000, List.of(watch));

        assertThat(decision.decision()).isEqualTo(Verdict.allow);
        assertThat(decision.budgets().getFirst().used()).isEqualTo(5_000_000L);
        assertThat(decision.budgets().getFirst().unlimited()).isTrue();
        assertThat(decision.budgets().getFirst().pctAfter()).isNull();
    }

    @Test
    void shouldLetASpecificUserPolicyOverrideTheDefault() {
        BudgetPolicy everyone = policy("user-default", SubjectType.user, "*", 1_000, true);
        BudgetPolicy vip = policy("user-vip", SubjectType.user, "u1", 50_000, true);
        used.put("user-default/u1", 5_000L);
        used.put("user-vip/u1", 5_000L);

        Decision decision = decide(100, List.of(everyone, vip));

        assertThat(decision.budgets()).extracting(line -> line.policy().getPolicyId()).containsExactly("user-vip");
        assertThat(decision.decision()).isEqualTo(Verdict.allow);
    }

    @Test
    void shouldApplyTheMostRestrictiveOfSeveralDefaults() {
        BudgetPolicy loose = policy("user-loose", SubjectType.user, "*", 9_000, true);
        BudgetPolicy tight = policy("user-tight", SubjectType.user, "*", 1_000, true);

        Decision decision = decide(100, List.of(loose, tight));

        assertThat(decision.budgets()).extracting(line -> line.policy().getPolicyId()).containsExactly("user-tight");
    }

    @Test
    void shouldAlwaysApplyTenantAndTeamBudgetsAlongsideTheUsers() {
        BudgetPolicy tenant = policy("tenant-month", SubjectType.tenant, "acme", 1_000_000, true);
        BudgetPolicy team = policy("team-month", SubjectType.team, "platform", 10_000, true);
        BudgetPolicy user = policy("user-vip", SubjectType.user, "u1", 50_000, true);
        used.put("team-month/platform", 9_950L);

        Decision decision = decide(100, List.of(tenant, team, user));

        assertThat(decision.budgets()).extracting(line -> line.policy().getPolicyId())
                .containsExactlyInAnyOrder("tenant-month", "team-month", "user-vip");
        assertThat(decision.decision()).isEqualTo(Verdict.deny);
        assertThat(decision.budgets()).filteredOn(line -> line.verdict() == Verdict.deny)
                .extracting(line -> line.policy().getPolicyId()).containsExactly("team-month");
    }

    /** The precedence table of the README, row by row, for a call by user u1 of team platform in tenant acme. */
    @Test
    void shouldLetAnOverrideReplaceTheBroaderBudgetsOfTheSameMetricAndPeriodForItsMemberOnly() {
        BudgetPolicy tenant = policy("tenant-day", SubjectType.tenant, "acme", 1_000_000, true);
        BudgetPolicy team = policy("team-day", SubjectType.team, "platform", 10_000, true);
        BudgetPolicy user = policy("u1-day", SubjectType.user, "u1", 50_000, true);
        java.util.function.Function<List<SubjectType>, BudgetPolicy> u1Overriding = replaced ->
                BudgetPolicy.newBuilder(user).setOverrides(replaced).build();

        // no override: every scope's budget applies alongside
        assertThat(governing(tenant, team, user)).containsExactlyInAnyOrder("tenant-day", "team-day", "u1-day");
        // the user's budget overrides the team's: the tenant's still applies
        assertThat(governing(tenant, team, u1Overriding.apply(List.of(SubjectType.team)))).containsExactlyInAnyOrder("tenant-day", "u1-day");
        // it overrides both
        assertThat(governing(tenant, team, u1Overriding.apply(List.of(SubjectType.team, SubjectType.tenant)))).containsExactly("u1-day");
        // another period (a month) replaces nothing of the day's
        BudgetPolicy monthly = BudgetPolicy.newBuilder(u1Overriding.apply(List.of(SubjectType.team)))
                .setPeriod(Period.newBuilder().setKind(PeriodKind.month).setTimeZone("UTC").build()).build();
        assertThat(governing(tenant, team, monthly)).containsExactlyInAnyOrder("tenant-day", "team-day", "u1-day");
        // another user's override leaves u1 with the team's and the tenant's
        BudgetPolicy u2 = BudgetPolicy.newBuilder(policy("u2-day", SubjectType.user, "u2", 50_000, true))
                .setOverrides(List.of(SubjectType.team, SubjectType.tenant)).build();
        assertThat(governing(tenant, team, u2)).containsExactlyInAnyOrder("tenant-day", "team-day");
        // a team's budget can override the tenant's
        BudgetPolicy teamOverriding = BudgetPolicy.newBuilder(team).setOverrides(List.of(SubjectType.tenant)).build();
        assertThat(governing(tenant, teamOverriding)).containsExactly("team-day");
        // a paused override replaces nothing
        BudgetPolicy paused = BudgetPolicy.newBuilder(u1Overriding.apply(List.of(SubjectType.team, SubjectType.tenant))).setActive(false).build();
        assertThat(governing(tenant, team, paused)).containsExactlyInAnyOrder("tenant-day", "team-day", "u1-day");
        // a default for each user overrides for every user
        BudgetPolicy everyUser = BudgetPolicy.newBuilder(policy("each-user-day", SubjectType.user, "*", 50_000, true))
                .setOverrides(List.of(SubjectType.team)).build();
        assertThat(governing(tenant, team, everyUser)).containsExactlyInAnyOrder("tenant-day", "each-user-day");
    }

    /** What a seed of a budget registered mid-period leaves out: the members whose own budget replaces it, or null when no sum can tell. */
    @Test
    void shouldSayWhichMembersReplaceABudgetForAllTheirCallsOrThatNoSumCanTell() {
        BudgetPolicy tenant = policy("tenant-day", SubjectType.tenant, "acme", 1_000_000, true);
        BudgetPolicy team = policy("team-day", SubjectType.team, "platform", 10_000, true);
        BudgetPolicy u1 = BudgetPolicy.newBuilder(policy("u1-day", SubjectType.user, "u1", 50_000, true))
                .setOverrides(List.of(SubjectType.team)).build();

        assertThat(PolicyIndex.of(List.of(tenant, team)).overriddenFor(team)).isEmpty();
        assertThat(PolicyIndex.of(List.of(tenant, team, u1)).overriddenFor(team)).containsExactly(new Subject(SubjectType.user, "u1"));
        assertThat(PolicyIndex.of(List.of(tenant, team, u1)).overriddenFor(tenant)).as("u1 replaces the team's only").isEmpty();
        // a filtered or one-off override replaces the budget for part of u1's calls: no sum of u1's usage says which
        BudgetPolicy filtered = BudgetPolicy.newBuilder(u1)
                .setFilters(new PolicyFilters(List.of("gpt-4.1"), List.of(), List.of(), List.of(), List.of())).build();
        assertThat(PolicyIndex.of(List.of(team, filtered)).overriddenFor(team)).isNull();
        assertThat(PolicyIndex.of(List.of(team, BudgetPolicy.newBuilder(u1).setAutoRenew(false).build())).overriddenFor(team)).isNull();
        // a default for each user replaces it for every user, unless some user has a budget of their own in its place
        BudgetPolicy everyUser = BudgetPolicy.newBuilder(policy("each-user-day", SubjectType.user, "*", 50_000, true))
                .setOverrides(List.of(SubjectType.team)).build();
        assertThat(PolicyIndex.of(List.of(team, everyUser)).overriddenFor(team)).containsExactly(new Subject(SubjectType.user, "*"));
        assertThat(PolicyIndex.of(List.of(team, everyUser, policy("u2-day", SubjectType.user, "u2", 9, true))).overriddenFor(team))
                .isNull();
        // a paused override replaces nothing
        assertThat(PolicyIndex.of(List.of(team, BudgetPolicy.newBuilder(u1).setActive(false).build())).overriddenFor(team)).isEmpty();
    }

    private List<String> governing(BudgetPolicy... policies) {
        return decide(1, List.of(policies)).budgets().stream().map(line -> line.policy().getPolicyId()).toList();
    }

    @Test
    void shouldSkipAPolicyWhoseFiltersDoNotAdmitTheCall() {
        BudgetPolicy anthropicOnly = BudgetPolicy.newBuilder(policy("tenant-anthropic", SubjectType.tenant, "acme", 0, true))
                .setFilters(new PolicyFilters(List.of(), List.of("anthropic"), List.of(), List.of(), List.of())).build();

        assertThat(decide(100, List.of(anthropicOnly)).budgets()).isEmpty();
    }

    @Test
    void shouldJudgeACallTheUserPaysForOnlyByBudgetsThatCountUserBilledUsage() {
        BudgetPolicy organisation = BudgetPolicy.newBuilder(policy("tenant-org-billed", SubjectType.tenant, "acme", 0, true))
                .setFilters(new PolicyFilters(List.of(), List.of(), List.of(), List.of(), List.of(BillingScope.tenant))).build();
        BudgetPolicy user = policy("u1-all", SubjectType.user, "u1", 0, true);
        CallDimensions ownKey = new CallDimensions("acme", List.of("platform"), "u1", "k1", "codegen", "openai", "gpt-4.1-mini",
                "/v1/chat/completions", BillingScope.user);
        PolicyIndex both = PolicyIndex.of(List.of(organisation, user));

        // a call on the user's own key: the organisation's budget does not judge it, the user's (unfiltered) does
        assertThat(Decider.decide(ownKey, new Estimate(100L, 0, 0, 0, 0, 1), 100, false, both, source, NOW).budgets())
                .extracting(line -> line.policy().getPolicyId()).containsExactly("u1-all");
        // the same call billed to the tenant (the default): both judge it
        assertThat(decide(100, List.of(organisation, user)).budgets()).extracting(line -> line.policy().getPolicyId())
                .containsExactlyInAnyOrder("tenant-org-billed", "u1-all");
    }

    @Test
    void shouldRateLimitAndSayWhenTheOldestUsageLeavesTheWindow() {
        BudgetPolicy perMinute = BudgetPolicy.newBuilder(policy("key-rpm", SubjectType.api_key, "*", 3, true))
                .setMetric(Metric.requests).setPeriod(Period.newBuilder().setKind(PeriodKind.rolling).setDurationMs(60_000L).build())
                .build();
        long now = NOW.toEpochMilli();
        rolling.put("key-rpm", new long[][] {{now - 50_000, 1}, {now - 20_000, 2}});

        Decision decision = decide(0, List.of(perMinute));

        assertThat(decision.decision()).isEqualTo(Verdict.deny);
        assertThat(decision.reasons()).containsExactly("rate_limited");
        // the request at now-50s leaves the 60 s window 10 s from now, making room for one more
        assertThat(decision.retryAfterMs()).isEqualTo(10_000L);
    }

    @Test
    void shouldComputeRetryAfterFromAsManyBucketsAsTheExcessNeeds() {
        long now = NOW.toEpochMilli();
        long[][] buckets = {{now - 50_000, 1}, {now - 20_000, 2}, {now - 5_000, 4}};

        assertThat(Decider.retryAfterMs(buckets, 60_000, now, 3)).isEqualTo(40_000L);
        assertThat(Decider.retryAfterMs(buckets, 60_000, now, 1)).isEqualTo(10_000L);
    }

    @Test
    void shouldJudgeEveryTenantsCallOfTheModelByAGlobalLimit() {
        BudgetPolicy model = BudgetPolicy.newBuilder(policy("gpt41-everyone", SubjectType.model, "gpt-4.1-mini", 1_000, true))
                .setTenantId(dev.usageledger.streams.rules.PolicyRules.ALL_TENANTS).build();
        used.put("gpt41-everyone/gpt-4.1-mini", 999L); // what the global task counted, over every tenant
        CallDimensions otherTenant = new CallDimensions("globex", List.of(), null, null, null, "openai", "gpt-4.1-mini", null, null);
        CallDimensions otherModel = new CallDimensions("globex", List.of(), null, null, null, "openai", "gpt-4.1", null, null);

        Decision denied = Decider.decide(otherTenant, new Estimate(2L, 0, 0, 0, 0, 1), 2, false, PolicyIndex.of(List.of(model)), source, NOW);
        Decision elsewhere = Decider.decide(otherModel, new Estimate(2L, 0, 0, 0, 0, 1), 2, false, PolicyIndex.of(List.of(model)), source,
                NOW);

        assertThat(denied.decision()).isEqualTo(Verdict.deny);
        assertThat(denied.budgets()).extracting(line -> line.member() + "@" + line.used()).containsExactly("gpt-4.1-mini@999");
        assertThat(elsewhere.budgets()).as("another model is not limited by it").isEmpty();
    }

    @Test
    void shouldLetACallFailOpenOnlyWhenEveryBudgetThatWouldEnforceOnItFailsOpen() {
        BudgetPolicy team = BudgetPolicy.newBuilder(policy("team-day", SubjectType.team, "platform", 1_000, true)).setFailOpen(true).build();
        BudgetPolicy user = BudgetPolicy.newBuilder(policy("user-day", SubjectType.user, "u1", 1_000, true)).setFailOpen(true).build();
        BudgetPolicy tenantHard = policy("acme-day", SubjectType.tenant, "acme", 1_000, true);

        assertThat(failingOpen(team, user)).as("both fail open").hasValueSatisfying(open -> assertThat(open)
                .extracting(g -> g.policy().getPolicyId() + "/" + g.member()).containsExactlyInAnyOrder("team-day/platform", "user-day/u1"));
        assertThat(failingOpen(team, user, tenantHard)).as("the tenant's fails closed").isEmpty();
        assertThat(failingOpen(team, policy("acme-watch", SubjectType.tenant, "acme", 1_000, false)))
                .as("a budget that only warns cannot deny: its mode does not matter").hasValueSatisfying(open -> assertThat(open).hasSize(1));
        assertThat(failingOpen(team, BudgetPolicy.newBuilder(tenantHard).setActive(false).build()))
                .as("a paused budget decides nothing").hasValueSatisfying(open -> assertThat(open).hasSize(1));
        assertThat(failingOpen(team, policy("data-day", SubjectType.team, "data", 1_000, true)))
                .as("another team's budget does not govern the call").hasValueSatisfying(open -> assertThat(open).hasSize(1));
        assertThat(failingOpen()).as("no budget: nothing could deny").hasValueSatisfying(open -> assertThat(open).isEmpty());
    }

    private java.util.Optional<List<Decider.Governing>> failingOpen(BudgetPolicy... policies) {
        return Decider.failingOpen(CALL, PolicyIndex.of(List.of(policies)), NOW);
    }

    private Decision decide(long costMicros, List<BudgetPolicy> policies) {
        return Decider.decide(CALL, new Estimate(costMicros, 1_200, 0, 300, 0, 1), costMicros, false, PolicyIndex.of(policies), source,
                NOW);
    }

    private static BudgetPolicy policy(String id, SubjectType type, String subjectId, long limit, boolean enforce) {
        return BudgetPolicy.newBuilder().setPolicyId(id).setTenantId("acme").setSubject(new Subject(type, subjectId))
                .setFilters(new PolicyFilters(List.of(), List.of(), List.of(), List.of(), List.of())).setMetric(Metric.cost_micros)
                .setLimit(limit).setPeriod(Period.newBuilder().setKind(PeriodKind.day).setTimeZone("UTC").build())
                .setEnforce(enforce).build();
    }
}
