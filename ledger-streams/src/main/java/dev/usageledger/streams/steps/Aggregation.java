package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.Buckets;
import dev.usageledger.streams.rules.Scopes;
import dev.usageledger.streams.rules.Scopes.Scope;
import dev.usageledger.streams.state.MonthTotalsStore;
import dev.usageledger.streams.state.TotalsStore;

/**
 * Adds each rated event to the totals of every scope it counts toward, in hour and day buckets
 * (window stores: old buckets leave with their segments) and month buckets (kept for good); the
 * tenant also gets minute buckets. A late event lands in its own buckets. Every new total is
 * computed before any is written, so a sum that overflows leaves nothing of the event counted.
 */
final class Aggregation {
    private final TotalsStore.Writable minutes;
    private final TotalsStore.Writable hours;
    private final TotalsStore.Writable days;
    private final MonthTotalsStore months;

    Aggregation(TotalsStore.Writable minutes, TotalsStore.Writable hours, TotalsStore.Writable days, MonthTotalsStore months) {
        this.minutes = minutes;
        this.hours = hours;
        this.days = days;
        this.months = months;
    }

    /** The event's new totals, as changes. */
    void add(RatedUsage usage, EventChanges changes) {
        long at = usage.event().getOccurredAt().toEpochMilli();
        String tenant = usage.event().getTenantId();
        String month = Buckets.month(at);
        for (Scope scope : Scopes.of(usage.event())) {
            String key = TotalsStore.scopeKey(tenant, scope.type(), scope.id());
            if (scope.type() == SubjectType.tenant) {
                added(minutes, key, Buckets.minute(at), usage, changes);
            }
            added(hours, key, Buckets.hour(at), usage, changes);
            added(days, key, Buckets.day(at), usage, changes);
            String monthKey = MonthTotalsStore.key(key, month);
            Totals monthTotals = plus(months.get(monthKey), usage);
            changes.write(() -> months.put(monthKey, monthTotals));
        }
    }

    private static void added(TotalsStore.Writable store, String key, long bucket, RatedUsage usage, EventChanges changes) {
        Totals next = plus(store.bucket(key, bucket), usage);
        changes.write(() -> store.put(key, bucket, next));
    }

    private static Totals plus(Totals current, RatedUsage usage) {
        return (current == null ? Totals.ZERO : current).plus(usage);
    }
}
