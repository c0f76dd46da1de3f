package dev.usageledger.query.state;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.streams.decision.UsageSource;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.state.PolicyUsage;

/**
 * A decision's usage, read from one partition's stores exactly as the policy step counts it (a
 * global policy's used amount from the global counters, its held amount from the partition's holds).
 */
public final class StoreUsageSource implements UsageSource {
    private final PolicyUsage usage;
    private final TenantStores stores;

    public StoreUsageSource(TenantStores stores) {
        this.stores = stores;
        this.usage = stores.policyUsage();
    }

    @Override
    public long used(BudgetPolicy policy, String member, PeriodWindow period) {
        stores.awaitSeeded(usage, policy);
        return usage.counter(policy, member, period).used();
    }

    @Override
    public long held(BudgetPolicy policy, String member, PeriodWindow period) {
        return stores.held().held(policy, member, period);
    }

    @Override
    public long[][] rollingBuckets(BudgetPolicy policy, String member, long atMs) {
        return usage.rollingBuckets(policy, member, atMs);
    }
}
