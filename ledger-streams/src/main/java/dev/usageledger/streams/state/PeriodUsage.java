package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.Buckets;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyRules;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the ledger holds for one scope over a span of time, read from the totals buckets: whole
 * UTC days from the day store, the ragged edges from the hour store. The policy step uses it to
 * seed a policy's first counter of a period (so a policy created or changed mid-period starts
 * from the usage already in its period, not from zero); the query service uses it for reports.
 */
public final class PeriodUsage {
    private final TotalsStore hours;
    private final TotalsStore days;

    public PeriodUsage(TotalsStore hours, TotalsStore days) {
        this.hours = hours;
        this.days = days;
    }

    /**
     * How a span is read from finer buckets and day buckets: the part before its first whole UTC
     * day, the whole days, and the part after the last one (each an inclusive millisecond range;
     * empty when to < from).
     */
    public record Cut(long headFrom, long headTo, long daysFrom, long daysTo, long tailFrom, long tailTo) {
        /** The cut of {@code period} around its whole UTC days, whatever its ends fall on. */
        public static Cut around(PeriodWindow period) {
            long start = period.start().toEpochMilli();
            long end = period.end().toEpochMilli();
            long firstWholeDay = Math.min(end, Math.ceilDiv(start, Buckets.DAY_MS) * Buckets.DAY_MS);
            long lastWholeDay = Math.max(firstWholeDay, Math.floorDiv(end, Buckets.DAY_MS) * Buckets.DAY_MS);
            return new Cut(start, firstWholeDay - 1, firstWholeDay, lastWholeDay - 1, lastWholeDay, end - 1);
        }
    }

    /** The cut of {@code period}, which must be {@link #answerable}. */
    public static Cut cut(PeriodWindow period) {
        if (!answerable(period)) {
            throw new IllegalArgumentException("totals are kept in UTC hours; " + period + " does not start and end on one");
        }
        return Cut.around(period);
    }

    /** Whether the buckets can answer for {@code [start, end)} exactly: both ends on a UTC hour. */
    public static boolean answerable(PeriodWindow period) {
        return period.start().toEpochMilli() % Buckets.HOUR_MS == 0 && period.end().toEpochMilli() % Buckets.HOUR_MS == 0;
    }

    /**
     * The metric summed over {@code period} for the scope, or -1 when the period does not start on
     * a UTC hour (a zone with a half-hour offset): the buckets cannot answer exactly then.
     */
    public long sum(String tenant, SubjectType type, String id, PeriodWindow period, Metric metric) {
        return answerable(period) ? amount(totals(tenant, type, id, period), metric) : -1;
    }

    /** The scope's totals over {@code period}, which must be {@link #answerable}. */
    public Totals totals(String tenant, SubjectType type, String id, PeriodWindow period) {
        Cut cut = cut(period);
        String key = TotalsStore.scopeKey(tenant, type, id);
        return hours.sum(key, cut.headFrom(), cut.headTo())
                .plus(days.sum(key, cut.daysFrom(), cut.daysTo()))
                .plus(hours.sum(key, cut.tailFrom(), cut.tailTo()));
    }

    /** The tenant's totals over {@code period} for each member of {@code type} (one range scan per bucket size). */
    public Map<String, Totals> byMember(String tenant, SubjectType type, PeriodWindow period) {
        Cut cut = cut(period);
        Map<String, Totals> byMember = new TreeMap<>();
        hours.addByMember(byMember, tenant, type, cut.headFrom(), cut.headTo());
        days.addByMember(byMember, tenant, type, cut.daysFrom(), cut.daysTo());
        hours.addByMember(byMember, tenant, type, cut.tailFrom(), cut.tailTo());
        return byMember;
    }

    /** The part of {@code totals} a policy metric counts. */
    public static long amount(Totals totals, Metric metric) {
        return PolicyRules.amount(metric, totals.costMicros(), totals.inputTokens(), totals.outputTokens(), totals.reasoningTokens(),
                totals.requests());
    }
}
