package dev.usageledger.streams.steps;

import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.Buckets;
import dev.usageledger.streams.state.MonthTotalsStore;

/**
 * Adds each rated event to its tenant's UTC month: the one total enforcement keeps, as the bound
 * that keeps every report cell of the tenant within a long (the totals of each scope are the
 * reporting part's). The new total is computed before it is written, so a sum that overflows
 * leaves nothing of the event counted.
 */
final class Aggregation {
    private final MonthTotalsStore months;

    Aggregation(MonthTotalsStore months) {
        this.months = months;
    }

    /** The event's new tenant month, as a change. */
    void add(RatedUsage usage, EventChanges changes) {
        String key = MonthTotalsStore.key(usage.event().getTenantId(), Buckets.month(usage.event().getOccurredAt().toEpochMilli()));
        Totals current = months.get(key);
        Totals next = (current == null ? Totals.ZERO : current).plus(usage);
        changes.write(() -> months.put(key, next));
    }
}
