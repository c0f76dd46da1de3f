package dev.usageledger.query.state;

import dev.usageledger.schemas.avro.BudgetPolicy;
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
        return new PolicyUsage(counters, rolling, seeds, globalCounters);
    }

    /** Returns once the policy's counters hold the usage counted before it (bounded; see {@link SeedWait}). */
    public void awaitSeeded(PolicyUsage usage, BudgetPolicy policy) {
        seedWait.await(usage, policy);
    }
}
