package dev.usageledger.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.PolicyFilters;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.state.RollingCounterStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-20T15:00:00Z");

    @TempDir
    Path state;
    private TopologyFixture ledger;
    private int ids;

    @BeforeEach
    void start() {
        ledger = new TopologyFixture(state, Map.of(), true);
    }

    @AfterEach
    void stop() {
        ledger.close();
    }

    @Test
    void shouldEmitABreachOncePerThresholdEvenWhenOneEventCrossesSeveral() {
        ledger.policy(TopologyFixture.policy("acme-day", "acme", SubjectType.tenant, "acme", 1_000, PeriodKind.day, "UTC").build());

        spend("acme", null, 400, T0);
        spend("acme", null, 200, T0.plusSeconds(1));
        spend("acme", null, 100, T0.plusSeconds(2));
        spend("acme", null, 300, T0.plusSeconds(3));
        spend("acme", null, 100, T0.plusSeconds(4));

        List<BudgetBreach> breaches = ledger.breaches.readValuesToList();
        assertThat(breaches).extracting(BudgetBreach::getThreshold).containsExactly(50, 80, 100);
        assertThat(breaches).extracting(BudgetBreach::getUsedAtCrossing).containsExactly(600L, 1_000L, 1_000L);
        assertThat(breaches.getFirst().getPeriodStart()).isEqualTo(Instant.parse("2026-11-20T00:00:00Z"));
        assertThat(breaches.getFirst().getCrossingEventId()).as("the second event took it to 600").isEqualTo("e-1");
        assertThat(ledger.counter("acme", "acme-day", "acme", Instant.parse("2026-11-20T00:00:00Z"))).isEqualTo(1_100);
    }

    @Test
    void shouldLeaveAUsersUsageOutOfTheTeamAndTenantBudgetsItsOverrideReplaces() {
        ledger.policy(TopologyFixture.policy("acme-day", "acme", SubjectType.tenant, "acme", 10_000, PeriodKind.day, "UTC").build());
        ledger.policy(TopologyFixture.policy("team-day", "acme", SubjectType.team, "platform", 10_000, PeriodKind.day, "UTC").build());
        ledger.policy(TopologyFixture.policy("ana-day", "acme", SubjectType.user, "ana", 50_000, PeriodKind.day, "UTC")
                .setOverrides(List.of(SubjectType.team, SubjectType.tenant)).build());

        ledger.send(TopologyFixture.event("e-ana", "acme", T0).setUserId("ana").setTeamIds(List.of("platform")).setCostMicros(700L).build(), T0);
        ledger.send(TopologyFixture.event("e-bo", "acme", T0).setUserId("bo").setTeamIds(List.of("platform")).setCostMicros(300L).build(), T0);

        Instant day = Instant.parse("2026-11-20T00:00:00Z");
        assertThat(ledger.counter("acme", "ana-day", "ana", day)).isEqualTo(700);
        assertThat(ledger.counter("acme", "team-day", "platform", day)).as("bo's only: ana's override replaces it for her").isEqualTo(300);
        assertThat(ledger.counter("acme", "acme-day", "acme", day)).isEqualTo(300);
        assertThat(ledger.month("acme", SubjectType.tenant, "acme", "2026-11").costMicros()).as("the reports count everything").isEqualTo(1_000);
    }

    @Test
    void shouldCountAPausedBudgetWithoutRaisingBreaches() {
        ledger.policy(TopologyFixture.policy("acme-day", "acme", SubjectType.tenant, "acme", 1_000, PeriodKind.day, "UTC").setActive(false)
                .build());

        spend("acme", null, 1_500, T0);

        assertThat(ledger.breaches.isEmpty()).as("paused: counts, raises nothing").isTrue();
        assertThat(ledger.counter("acme", "acme-day", "acme", Instant.parse("2026-11-20T00:00:00Z"))).isEqualTo(1_500);
    }

    @Test
    void shouldCountAOneOffBudgetInItsWindowOnly() {
        Instant start = Instant.parse("2026-11-20T00:00:00Z");
        ledger.policy(TopologyFixture.policy("research-week", "acme", SubjectType.tenant, "acme", 1_000, PeriodKind.interval, "UTC")
                .setAutoRenew(false).setPeriod(dev.usageledger.schemas.avro.Period.newBuilder().setKind(PeriodKind.interval).setAnchor(start)
                        .setEveryMs(java.time.Duration.ofDays(7).toMillis()).build()).setThresholds(List.of(100)).build());

        spend("acme", null, 600, T0);
        spend("acme", null, 600, T0.plus(java.time.Duration.ofDays(8))); // after its window: a budget that does not renew

        assertThat(ledger.counter("acme", "research-week", "acme", start)).isEqualTo(600);
        assertThat(ledger.counter("acme", "research-week", "acme", start.plus(java.time.Duration.ofDays(7)))).isZero();
        assertThat(ledger.breaches.isEmpty()).isTrue();
    }

    @Test
    void shouldStartEveryPeriodAfreshInThePolicysTimeZone() {
        ledger.policy(TopologyFixture.policy("ny-day", "acme", SubjectType.tenant, "acme", 100, PeriodKind.day, "America/New_York")
                .setThresholds(List.of(100)).build());

        spend("acme", null, 100, Instant.parse("2026-11-20T04:59:59Z")); // still Nov 19 in New York
        spend("acme", null, 100, Instant.parse("2026-11-20T05:00:00Z")); // Nov 20 starts

        assertThat(ledger.breaches.readValuesToList()).extracting(b -> b.getPeriodStart().toString())
                .containsExactly("2026-11-19T05:00:00Z", "2026-11-20T05:00:00Z");
    }

    @Test
    void shouldLetASpecificPolicyOverrideTheDefaultForEachMember() {
        ledger.policy(TopologyFixture.policy("each-user", "acme", SubjectType.user, "*", 1_000, PeriodKind.month, "UTC")
                .setThresholds(List.of(100)).build());
        ledger.policy(TopologyFixture.policy("u1-only", "acme", SubjectType.user, "u1", 100, PeriodKind.month, "UTC")
                .setThresholds(List.of(100)).build());

        spend("acme", "u1", 150, T0);
        spend("acme", "u2", 150, T0);
        spend("acme", "u2", 900, T0.plusSeconds(1));

        assertThat(ledger.breaches.readValuesToList()).extracting(b -> b.getPolicyId() + "/" + b.getSubject().getId())
                .containsExactly("u1-only/u1", "each-user/u2");
        assertThat(ledger.counter("acme", "each-user", "u1", Instant.parse("2026-11-01T00:00:00Z")))
                .as("the default does not govern u1").isZero();
    }

    @Test
    void shouldCountOnlyWhatTheFiltersAdmitAndOnlyInItsTenant() {
        ledger.policy(TopologyFixture.policy("openai-only", "acme", SubjectType.tenant, "acme", 1_000, PeriodKind.month, "UTC")
                .setFilters(new PolicyFilters(List.of(), List.of("openai"), List.of(), List.of(), List.of())).build());

        ledger.send(TopologyFixture.event("a", "acme", T0).setProvider("openai").setCostMicros(300L).build(), T0);
        ledger.send(TopologyFixture.event("b", "acme", T0).setProvider("anthropic").setCostMicros(5_000L).build(), T0);
        ledger.send(TopologyFixture.event("c", "globex", T0).setProvider("openai").setCostMicros(5_000L).build(), T0);

        assertThat(ledger.counter("acme", "openai-only", "acme", Instant.parse("2026-11-01T00:00:00Z"))).isEqualTo(300);
        assertThat(ledger.breaches.isEmpty()).isTrue();
    }

    @Test
    void shouldKeepUsageTheUserPaysForOutOfTheOrganisationsBudget() {
        // Given the organisation's month budget counts only what the organisation pays for, and u1's counts all of u1's
        ledger.policy(TopologyFixture.policy("org-billed", "acme", SubjectType.tenant, "acme", 1_000, PeriodKind.month, "UTC")
                .setFilters(new PolicyFilters(List.of(), List.of(), List.of(), List.of(), List.of(BillingScope.tenant)))
                .setThresholds(List.of(100)).build());
        ledger.policy(TopologyFixture.policy("u1-all", "acme", SubjectType.user, "u1", 10_000, PeriodKind.month, "UTC").build());

        // When u1 makes a call on the organisation's key, and a dearer one on their own key
        ledger.send(TopologyFixture.event("org", "acme", T0).setUserId("u1").setCostMicros(300L).build(), T0);
        ledger.send(TopologyFixture.event("own", "acme", T0.plusSeconds(1)).setUserId("u1").setBillingScope(BillingScope.user)
                .setCostMicros(5_000L).build(), T0.plusSeconds(1));

        // Then the organisation's budget counts only the first, and is not breached by the second; u1's counts both
        Instant november = Instant.parse("2026-11-01T00:00:00Z");
        assertThat(ledger.counter("acme", "org-billed", "acme", november)).isEqualTo(300);
        assertThat(ledger.counter("acme", "u1-all", "u1", november)).isEqualTo(5_300);
        assertThat(ledger.breaches.readValuesToList()).extracting(b -> b.getPolicyId() + " " + b.getThreshold())
                .containsExactly("u1-all 50");
    }

    @Test
    void shouldLeaveOutOfAMidPeriodSeedTheUsageOfMembersWhoseOwnBudgetReplacesIt() {
        // Given u1's month budget replaces the team's for u1, and u1 and u2 of team platform spent before the team had a budget
        ledger.policy(TopologyFixture.policy("u1-own", "acme", SubjectType.user, "u1", 100_000, PeriodKind.month, "UTC")
                .setOverrides(List.of(SubjectType.team)).build());
        ledger.send(TopologyFixture.event("t-1", "acme", T0).setUserId("u1").setTeamIds(List.of("platform")).setCostMicros(700L).build(), T0);
        ledger.send(TopologyFixture.event("t-2", "acme", T0).setUserId("u2").setTeamIds(List.of("platform")).setCostMicros(40L).build(), T0);
        ledger.send(TopologyFixture.event("t-3", "acme", T0).setTeamIds(List.of("platform")).setCostMicros(5L).build(), T0);

        // When the team's month budget arrives mid-period, and both spend again
        ledger.policy(TopologyFixture.policy("platform-month", "acme", SubjectType.team, "platform", 100_000, PeriodKind.month, "UTC").build());
        ledger.send(TopologyFixture.event("t-4", "acme", T0.plusSeconds(1)).setUserId("u1").setTeamIds(List.of("platform"))
                .setCostMicros(1_000L).build(), T0.plusSeconds(1));
        ledger.send(TopologyFixture.event("t-5", "acme", T0.plusSeconds(1)).setUserId("u2").setTeamIds(List.of("platform"))
                .setCostMicros(3L).build(), T0.plusSeconds(1));

        // Then the team's counter holds only what it governs: u2's and the unattributed usage, before and after, never u1's
        Instant november = Instant.parse("2026-11-01T00:00:00Z");
        assertThat(ledger.counter("acme", "platform-month", "platform", november)).isEqualTo(40 + 5 + 3);
        assertThat(ledger.counter("acme", "u1-own", "u1", november)).isEqualTo(1_700);
    }

    @Test
    void shouldCountUsageAlreadyInThePeriodWhenAPolicyArrivesMidPeriod() {
        // Given spend on Nov 3 and Nov 19 (Berlin), before any policy exists
        spend("acme", "u7", 300, Instant.parse("2026-11-03T10:00:00Z"));
        spend("acme", "u7", 250, Instant.parse("2026-11-19T22:30:00Z"));
        spend("acme", "u8", 999, Instant.parse("2026-11-19T23:30:00Z"));
        spend("acme", "u9", 40, Instant.parse("2026-10-31T22:59:59Z")); // October in Berlin

        // When a monthly per-user budget in Berlin time is created on the 20th, and u7 spends again
        ledger.policy(TopologyFixture.policy("each-user-month", "acme", SubjectType.user, "*", 1_000, PeriodKind.month,
                "Europe/Berlin").setThresholds(List.of(50, 100)).build());
        spend("acme", "u7", 100, T0);

        // Then each user's counter holds the whole month so far: the reporting part's seed plus what came after
        Instant berlinNovember = Instant.parse("2026-10-31T23:00:00Z");
        assertThat(ledger.counter("acme", "each-user-month", "u7", berlinNovember)).isEqualTo(650);
        assertThat(ledger.counter("acme", "each-user-month", "u8", berlinNovember)).isEqualTo(999);
        assertThat(ledger.counter("acme", "each-user-month", "u9", berlinNovember)).as("October's spend is not November's").isZero();
        assertThat(ledger.counter("acme", "each-user-month", "u9", Instant.parse("2026-09-30T22:00:00Z")))
                .as("October ended more than the late grace before the policy came: no event can reach it, so it is not seeded").isZero();
        // and the seed raises the breaches it crosses, once each, naming the seed
        assertThat(ledger.breaches.readValuesToList()).extracting(b -> b.getSubject().getId() + " " + b.getThreshold() + " "
                + b.getUsedAtCrossing() + " " + b.getCrossingEventId().startsWith("seed:")).containsExactlyInAnyOrder(
                "u7 50 650 true", "u8 50 999 true");

        // And later usage adds to the seeded counters without a second seed
        spend("acme", "u8", 1, T0.plusSeconds(5));
        assertThat(ledger.counter("acme", "each-user-month", "u8", berlinNovember)).isEqualTo(1_000);
        assertThat(ledger.breaches.readValuesToList()).extracting(b -> b.getSubject().getId() + " " + b.getThreshold() + " "
                + b.getCrossingEventId()).singleElement().asString().startsWith("u8 100 ");
    }

    @Test
    void shouldSeedAFilteredPolicyFromPairsAndAQuarterHourZoneExactly() {
        // Given spend on gpt and claude models in Kathmandu's day (UTC+05:45)
        Instant kathmanduDay = Instant.parse("2026-11-19T18:15:00Z");
        spendModel("u7", "gpt", 300, kathmanduDay.plusSeconds(60));
        spendModel("u7", "claude", 700, kathmanduDay.plusSeconds(120));
        spendModel("u7", "gpt", 5_000, kathmanduDay.minusSeconds(1)); // the day before there
        spendModel("u8", "gpt", 20, kathmanduDay.plusSeconds(180));

        // When a daily gpt-only budget for u7 in Kathmandu is created, and the tenant spends again
        ledger.policy(TopologyFixture.policy("u7-gpt", "acme", SubjectType.user, "u7", 1_000, PeriodKind.day, "Asia/Kathmandu")
                .setFilters(new PolicyFilters(List.of("gpt"), List.of(), List.of(), List.of(), List.of())).build());
        spendModel("u8", "claude", 1, kathmanduDay.plusSeconds(240));

        // Then the counter holds u7's gpt spend of that day only, to the micro-unit
        assertThat(ledger.counter("acme", "u7-gpt", "u7", kathmanduDay)).isEqualTo(300);
        assertThat(ledger.counter("acme", "u7-gpt", "u8", kathmanduDay)).as("a policy of u7 seeds u7 only").isZero();
    }

    private void spendModel(String user, String model, long cost, Instant at) {
        ledger.send(TopologyFixture.event("e" + ids++, "acme", at).setUserId(user).setModel(model).setProvider("p").setCostMicros(cost)
                .build(), at);
    }

    @Test
    void shouldCountRequestsInARollingMinuteWithoutRaisingBreaches() {
        ledger.policy(TopologyFixture.policy("rpm", "acme", SubjectType.api_key, "*", 2, PeriodKind.rolling, null)
                .setMetric(Metric.requests).setPeriod(Period.newBuilder().setKind(PeriodKind.rolling).setDurationMs(60_000L).build())
                .build());
        Instant t = Instant.parse("2026-11-20T15:00:00Z");

        for (Instant at : List.of(t, t.plusSeconds(10), t.plusSeconds(20), t.plusSeconds(70))) {
            ledger.send(TopologyFixture.event("r-" + ids++, "acme", at).setApiKeyId("k1").setCostMicros(1L).build(), at);
        }

        ReadOnlyWindowStore<String, Long> buckets = ledger.driver.getWindowStore(Names.ROLLING_COUNTER_STORE);
        String key = RollingCounterStore.key("acme", "rpm", "k1");
        assertThat(new RollingCounterStore(buckets).usage(key, t.plusSeconds(30).toEpochMilli(), 60_000)).isEqualTo(3);
        assertThat(new RollingCounterStore(buckets).usage(key, t.plusSeconds(75).toEpochMilli(), 60_000))
                .as("only the events after 15 s are in the minute before 75 s").isEqualTo(2);
        assertThat(ledger.breaches.isEmpty()).isTrue();
    }

    @Test
    void shouldDropCountersOfPeriodsNoEventCanReachAnyMore() {
        ledger.policy(TopologyFixture.policy("daily", "acme", SubjectType.tenant, "acme", 1_000, PeriodKind.day, "UTC").build());
        Instant monday = Instant.parse("2026-11-02T12:00:00Z");
        spend("acme", null, 10, monday);
        spend("acme", null, 10, monday.plus(java.time.Duration.ofDays(7)));
        assertThat(ledger.counter("acme", "daily", "acme", Instant.parse("2026-11-02T00:00:00Z")))
                .as("within the late grace the period is still reachable").isEqualTo(10);

        Instant muchLater = monday.plus(java.time.Duration.ofDays(9));
        spend("acme", null, 10, muchLater);

        assertThat(ledger.counter("acme", "daily", "acme", Instant.parse("2026-11-02T00:00:00Z"))).isZero();
        assertThat(ledger.counter("acme", "daily", "acme", Instant.parse("2026-11-11T00:00:00Z"))).isEqualTo(10);
    }

    @Test
    void shouldIgnoreAPolicyWhosePeriodCannotBeEvaluatedAndKeepCountingUsage() {
        ledger.policy(TopologyFixture.policy("bad-zone", "acme", SubjectType.tenant, "acme", 10, PeriodKind.day, "Mars/Base").build());
        ledger.policy(TopologyFixture.policy("good", "acme", SubjectType.tenant, "acme", 1_000, PeriodKind.day, "UTC").build());

        spend("acme", null, 100, T0);

        assertThat(ledger.rejected.isEmpty()).as("a bad policy must not reject usage").isTrue();
        assertThat(ledger.counter("acme", "good", "acme", Instant.parse("2026-11-20T00:00:00Z"))).isEqualTo(100);
        assertThat(ledger.month("acme", SubjectType.tenant, "acme", "2026-11").costMicros()).isEqualTo(100);
    }

    private void spend(String tenant, String user, long micros, Instant at) {
        ledger.send(TopologyFixture.event("e-" + ids++, tenant, at).setUserId(user).setCostMicros(micros).build(), at);
    }
}
