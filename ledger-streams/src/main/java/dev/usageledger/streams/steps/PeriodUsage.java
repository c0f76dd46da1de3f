package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.Buckets;
import dev.usageledger.streams.rules.PeriodWindow;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * What the ledger already holds for one scope in one period, read from the totals buckets: whole
 * UTC days from the day store, the ragged edges from the hour store. It seeds a policy counter
 * the first time the counter is needed, so a policy created or changed mid-period starts from
 * the usage already in its period, not from zero.
 */
final class PeriodUsage {
    private final WindowStore<String, Totals> hours;
    private final WindowStore<String, Totals> days;

    PeriodUsage(WindowStore<String, Totals> hours, WindowStore<String, Totals> days) {
        this.hours = hours;
        this.days = days;
    }

    /**
     * The metric summed over {@code period} for the scope key, or -1 when the period does not
     * start on a UTC hour (a zone with a half-hour offset): the buckets cannot answer exactly then.
     */
    long sum(String scopeKey, PeriodWindow period, Metric metric) {
        long start = period.start().toEpochMilli();
        long end = period.end().toEpochMilli();
        if (start % Buckets.HOUR_MS != 0 || end % Buckets.HOUR_MS != 0) {
            return -1;
        }
        long firstWholeDay = Math.min(end, Math.ceilDiv(start, Buckets.DAY_MS) * Buckets.DAY_MS);
        long lastWholeDay = Math.max(firstWholeDay, Math.floorDiv(end, Buckets.DAY_MS) * Buckets.DAY_MS);
        return Math.addExact(Math.addExact(
                range(hours, scopeKey, start, firstWholeDay - 1, metric),
                range(days, scopeKey, firstWholeDay, lastWholeDay - 1, metric)),
                range(hours, scopeKey, lastWholeDay, end - 1, metric));
    }

    private static long range(WindowStore<String, Totals> store, String key, long from, long to, Metric metric) {
        if (to < from) {
            return 0;
        }
        long sum = 0;
        try (WindowStoreIterator<Totals> buckets = store.fetch(key, from, to)) {
            while (buckets.hasNext()) {
                sum = Math.addExact(sum, amount(buckets.next().value, metric));
            }
        }
        return sum;
    }

    static long amount(Totals totals, Metric metric) {
        return switch (metric) {
            case cost_micros -> totals.costMicros();
            case tokens -> Math.addExact(Math.addExact(totals.inputTokens(), totals.outputTokens()), totals.reasoningTokens());
            case input_tokens -> totals.inputTokens();
            case output_tokens -> totals.outputTokens();
            case requests -> totals.requests();
        };
    }
}
