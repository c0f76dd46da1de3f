package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.model.StoreKeys;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.Buckets;
import dev.usageledger.streams.rules.Scopes;
import dev.usageledger.streams.rules.Scopes.Scope;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Step 4: adds each rated event to the totals of every scope it counts toward, in hour and day
 * buckets (window stores: old buckets leave with their segments) and month buckets (kept for
 * good); the tenant also gets minute buckets. A late event lands in its own buckets.
 */
public final class AggregateProcessor extends ContextualProcessor<String, RatedUsage, String, RatedUsage> {
    private WindowStore<String, Totals> minutes;
    private WindowStore<String, Totals> hours;
    private WindowStore<String, Totals> days;
    private KeyValueStore<String, Totals> months;

    @Override
    public void init(ProcessorContext<String, RatedUsage> context) {
        super.init(context);
        minutes = context.getStateStore(Names.TOTALS_MINUTE_STORE);
        hours = context.getStateStore(Names.TOTALS_HOUR_STORE);
        days = context.getStateStore(Names.TOTALS_DAY_STORE);
        months = context.getStateStore(Names.TOTALS_MONTH_STORE);
    }

    /**
     * Every new total is computed before any is written: a sum that overflows rejects the event
     * with nothing of it counted, never with part of its scopes counted.
     */
    @Override
    public void process(Record<String, RatedUsage> record) {
        RatedUsage usage = record.value();
        long at = usage.event().getOccurredAt().toEpochMilli();
        String tenant = usage.event().getTenantId();
        String month = Buckets.month(at);
        List<Runnable> writes = new ArrayList<>(32);
        for (Scope scope : Scopes.of(usage.event())) {
            String key = StoreKeys.scope(tenant, scope.type(), scope.id());
            if (scope.type() == SubjectType.tenant) {
                writes.add(added(minutes, key, Buckets.minute(at), usage));
            }
            writes.add(added(hours, key, Buckets.hour(at), usage));
            writes.add(added(days, key, Buckets.day(at), usage));
            String monthKey = key + StoreKeys.SEPARATOR + month;
            Totals monthTotals = plus(months.get(monthKey), usage);
            writes.add(() -> months.put(monthKey, monthTotals));
        }
        writes.forEach(Runnable::run);
        context().forward(record);
    }

    private static Runnable added(WindowStore<String, Totals> store, String key, long bucket, RatedUsage usage) {
        Totals next = plus(store.fetch(key, bucket), usage);
        return () -> store.put(key, next, bucket);
    }

    private static Totals plus(Totals current, RatedUsage usage) {
        return (current == null ? Totals.ZERO : current).plus(usage);
    }
}
