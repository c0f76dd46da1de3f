package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.model.StoreKeys;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.Buckets;
import dev.usageledger.streams.rules.Scopes;
import dev.usageledger.streams.rules.Scopes.Scope;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Adds each rated event to the totals of every scope it counts toward, in hour and day buckets
 * (window stores: old buckets leave with their segments) and month buckets (kept for good); the
 * tenant also gets minute buckets. A late event lands in its own buckets. Every new total is
 * computed before any is written, so a sum that overflows leaves nothing of the event counted.
 */
final class Aggregation {
    private final WindowStore<String, Totals> minutes;
    private final WindowStore<String, Totals> hours;
    private final WindowStore<String, Totals> days;
    private final KeyValueStore<String, Totals> months;

    Aggregation(WindowStore<String, Totals> minutes, WindowStore<String, Totals> hours, WindowStore<String, Totals> days,
                KeyValueStore<String, Totals> months) {
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
            String key = StoreKeys.scope(tenant, scope.type(), scope.id());
            if (scope.type() == SubjectType.tenant) {
                added(minutes, key, Buckets.minute(at), usage, changes);
            }
            added(hours, key, Buckets.hour(at), usage, changes);
            added(days, key, Buckets.day(at), usage, changes);
            String monthKey = key + StoreKeys.SEPARATOR + month;
            Totals monthTotals = plus(months.get(monthKey), usage);
            changes.write(() -> months.put(monthKey, monthTotals));
        }
    }

    private static void added(WindowStore<String, Totals> store, String key, long bucket, RatedUsage usage, EventChanges changes) {
        Totals next = plus(store.fetch(key, bucket), usage);
        changes.write(() -> store.put(key, next, bucket));
    }

    private static Totals plus(Totals current, RatedUsage usage) {
        return (current == null ? Totals.ZERO : current).plus(usage);
    }
}
