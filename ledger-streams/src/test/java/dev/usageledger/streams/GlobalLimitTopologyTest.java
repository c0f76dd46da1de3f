package dev.usageledger.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.decision.Decider;
import dev.usageledger.streams.decision.Decision;
import dev.usageledger.streams.decision.Estimate;
import dev.usageledger.streams.decision.UsageSource;
import dev.usageledger.streams.decision.Verdict;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.rules.CallDimensions;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyIndex;
import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.streams.state.PolicyBook;
import dev.usageledger.streams.state.PolicyCounterStore;
import dev.usageledger.streams.state.PolicyIndexCache;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model's limit over every tenant (a global policy, ADR 0003): the tenants' tasks send the usage
 * it governs to the global task, which counts every tenant's, raises each breach once, and
 * publishes the counter every instance's checks read; a check of any tenant is then denied at the
 * limit.
 */
class GlobalLimitTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-20T15:00:00Z");
    private static final Instant MONTH = Instant.parse("2026-11-01T00:00:00Z");

    @TempDir
    Path state;
    private TopologyFixture ledger;
    private final BudgetPolicy model = TopologyFixture.policy("gpt41-month", PolicyRules.ALL_TENANTS, SubjectType.model, "gpt-4.1",
            1_000, PeriodKind.month, "UTC").setThresholds(List.of(50, 100)).build();

    @BeforeEach
    void start() {
        ledger = new TopologyFixture(state, Map.of(), true);
        ledger.policy(model);
        ledger.policy(TopologyFixture.policy("acme-month", "acme", SubjectType.tenant, "acme", 1_000_000, PeriodKind.month, "UTC").build());
    }

    @AfterEach
    void stop() {
        ledger.close();
    }

    @Test
    void shouldCountEveryTenantsUsageOfTheModelAndDenyAtTheLimit() {
        spend("acme", "e-1", "gpt-4.1", 300, T0);
        spend("globex", "e-2", "gpt-4.1", 400, T0.plusSeconds(1));
        spend("acme", "e-3", "claude-sonnet-4", 999, T0.plusSeconds(2)); // another model: not the limit's

        assertThat(globalCounter()).as("the global task's own counter").isEqualTo(700);
        assertThat(published()).as("what every instance reads").isEqualTo(700);
        assertThat(ledger.counter("acme", "acme-month", "acme", MONTH)).as("the tenant's own budget, as before").isEqualTo(1_299);
        assertThat(ledger.counter(PolicyRules.ALL_TENANTS, "gpt41-month", "gpt-4.1", MONTH))
                .as("no tenant task keeps a global counter").isZero();
        assertThat(decide("initech", 301).decision()).as("300 remain, for any tenant").isEqualTo(Verdict.deny);
        assertThat(decide("initech", 300).decision()).isEqualTo(Verdict.allow);

        spend("initech", "e-4", "gpt-4.1", 350, T0.plusSeconds(3));

        assertThat(published()).isEqualTo(1_050);
        Decision denied = decide("acme", 1);
        assertThat(denied.decision()).isEqualTo(Verdict.deny);
        assertThat(denied.reasons()).containsExactly("hard_limit");
        assertThat(denied.budgets()).extracting(line -> line.policy().getPolicyId()).contains("gpt41-month", "acme-month");
        List<BudgetBreach> breaches = ledger.breaches.readValuesToList();
        assertThat(breaches).extracting(BudgetBreach::getTenantId, BudgetBreach::getThreshold, BudgetBreach::getCrossingEventId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("*", 50, "e-2"), org.assertj.core.groups.Tuple.tuple("*", 100, "e-4"));
    }

    @Test
    void shouldCountARetriedEventOnceGlobally() {
        spend("acme", "e-1", "gpt-4.1", 300, T0);
        spend("acme", "e-1", "gpt-4.1", 300, T0.plusSeconds(1)); // the same id again: a duplicate, counted nowhere

        assertThat(globalCounter()).isEqualTo(300);
    }

    private void spend(String tenant, String id, String modelName, long cost, Instant at) {
        ledger.send(TopologyFixture.event(id, tenant, at).setProvider("openai").setModel(modelName).setCostMicros(cost).build(), at);
    }

    private long globalCounter() {
        KeyValueStore<String, PolicyCounter> store = ledger.driver.getKeyValueStore(Names.GLOBAL_POLICY_COUNTER_STORE);
        PolicyCounter counter = store.get(PolicyCounterStore.key(PolicyRules.ALL_TENANTS, "gpt41-month", "gpt-4.1", MONTH));
        return counter == null ? 0 : counter.used();
    }

    private long published() {
        KeyValueStore<String, PolicyCounter> store = ledger.driver.getKeyValueStore(Names.GLOBAL_COUNTER_STORE);
        PolicyCounter counter = store.get(PolicyCounterStore.key(PolicyRules.ALL_TENANTS, "gpt41-month", "gpt-4.1", MONTH));
        return counter == null ? 0 : counter.used();
    }

    /** A check of {@code tenant}'s call of gpt-4.1, reading the global counter as every instance does. */
    private Decision decide(String tenant, long cost) {
        CallDimensions call = new CallDimensions(tenant, List.of(), null, null, null, "openai", "gpt-4.1", null, null);
        UsageSource global = new UsageSource() {
            @Override
            public long used(BudgetPolicy policy, String member, PeriodWindow period) {
                KeyValueStore<String, PolicyCounter> store = ledger.driver.getKeyValueStore(
                        PolicyRules.isGlobal(policy) ? Names.GLOBAL_COUNTER_STORE : Names.POLICY_COUNTER_STORE);
                PolicyCounter counter = store.get(PolicyCounterStore.key(policy.getTenantId(), policy.getPolicyId(), member, period.start()));
                return counter == null ? 0 : counter.used();
            }

            @Override
            public long held(BudgetPolicy policy, String member, PeriodWindow period) {
                return 0;
            }

            @Override
            public long[][] rollingBuckets(BudgetPolicy policy, String member, long atMs) {
                return new long[0][];
            }
        };
        // the tenant's index as checks get it: its own policies and the global ones
        PolicyIndex index = new PolicyIndexCache().forTenant(new PolicyBook(ledger.driver.getKeyValueStore(Names.POLICY_STORE)), tenant);
        return Decider.decide(call, new Estimate(cost, 0, 0, 0, 0, 1), cost, false, index, global, T0.plusSeconds(10));
    }
}
