package dev.usageledger.query.state;

import dev.usageledger.streams.state.BreachStore;
import dev.usageledger.streams.state.HeldStore;
import dev.usageledger.streams.state.HoldStore;
import dev.usageledger.streams.state.PeriodUsage;
import dev.usageledger.streams.state.PolicyCounterStore;
import dev.usageledger.streams.state.PolicyUsage;
import dev.usageledger.streams.state.RollingCounterStore;
import dev.usageledger.streams.state.TotalsStore;

/** The read-only stores of one usage partition: everything about the tenants in it. */
public record TenantStores(int partition, boolean stale, PolicyCounterStore counters, RollingCounterStore rolling, TotalsStore hours,
                           TotalsStore days, BreachStore breaches, HoldStore holds, HeldStore held, PolicyUsage.Seeds seeds) {

    public PeriodUsage periodUsage() {
        return new PeriodUsage(hours, days);
    }

    public PolicyUsage policyUsage() {
        return new PolicyUsage(counters, rolling, periodUsage(), seeds);
    }
}
