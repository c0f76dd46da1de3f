package dev.usageledger.query.state;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.state.BreachStore;
import dev.usageledger.streams.state.HeldStore;
import dev.usageledger.streams.state.HoldStore;
import dev.usageledger.streams.state.PolicyCounterStore;
import dev.usageledger.streams.state.PolicySeedStore;
import dev.usageledger.streams.state.PolicyUsage;
import dev.usageledger.streams.state.RejectedStore;
import dev.usageledger.streams.state.RollingCounterStore;

/**
 * The read-only stores of one usage partition: everything about the tenants in it; and the global
 * policies' counters, which every instance reads.
 */
public record TenantStores(int partition, boolean stale, PolicyCounterStore counters, RollingCounterStore rolling, PolicySeedStore seeds,
                           BreachStore breaches, HoldStore holds, HeldStore held, RejectedStore rejected, SeedWait seedWait,
                           PolicyCounterStore globalCounters) {

    public PolicyUsage policyUsage() {
        return new PolicyUsage(counters, rolling, seeds);
    }

    /** A global policy's counter for a member and period, as the global task last committed it (zero before any usage). */
    public PolicyCounter globalCounter(BudgetPolicy policy, String member, PeriodWindow period) {
        PolicyCounter counter = globalCounters.get(PolicyCounterStore.key(policy.getTenantId(), policy.getPolicyId(), member,
                period.start()));
        return counter != null ? counter : PolicyCounter.zero(period.end().toEpochMilli());
    }

    /** Returns once the policy's counters hold the usage counted before it (bounded; see {@link SeedWait}). */
    public void awaitSeeded(PolicyUsage usage, BudgetPolicy policy) {
        seedWait.await(usage, policy);
    }
}
