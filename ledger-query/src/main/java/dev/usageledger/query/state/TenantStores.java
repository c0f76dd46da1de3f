package dev.usageledger.query.state;

import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.state.PeriodUsage;
import dev.usageledger.streams.state.TotalsStore;
import dev.usageledger.streams.steps.PolicyUsage;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/** The read-only stores of one usage partition: everything about the tenants in it. */
public record TenantStores(int partition, boolean stale, ReadOnlyKeyValueStore<String, PolicyCounter> counters,
                           ReadOnlyWindowStore<String, Long> rolling, TotalsStore hours, TotalsStore days,
                           ReadOnlyKeyValueStore<String, BudgetBreach> breaches,
                           ReadOnlyKeyValueStore<String, HoldState> holds, ReadOnlyKeyValueStore<String, Long> held,
                           PolicyUsage.Seeds seeds) {

    public PeriodUsage periodUsage() {
        return new PeriodUsage(hours, days);
    }

    public PolicyUsage policyUsage() {
        return new PolicyUsage(counters, rolling, periodUsage(), seeds);
    }
}
