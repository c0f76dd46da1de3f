package dev.usageledger.query.state;

import dev.usageledger.streams.decision.BudgetLine;
import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.rules.Buckets;
import dev.usageledger.streams.rules.PeriodCalendar;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.streams.rules.RollingWindow;
import dev.usageledger.streams.state.PolicyUsage;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads over one partition's enforcement stores: budget status and breaches (usage, breakdowns and trends are the reporting part's, see {@code ReportStore}). */
public final class Reports {
    /**
     * One budget's standing at an instant; {@code lateAdjustment} is the part of the used amount
     * that is late usage of earlier, closed periods, added to this one (ADR 0002).
     */
    public record BudgetStatus(BudgetLine line, int[] crossed, long burnRatePerDay, long projectedAtPeriodEnd, Instant runsOutAt,
                               Long warnAt, long lateAdjustment) {
    }

    private final LedgerState state;

    public Reports(LedgerState state) {
        this.state = state;
    }

    /** Every budget that applies to the scope's member at {@code at}, after precedence. */
    public List<BudgetStatus> status(TenantStores stores, String tenant, SubjectType type, String id, Instant at) {
        PolicyUsage usage = stores.policyUsage();
        List<BudgetStatus> statuses = new ArrayList<>();
        for (BudgetPolicy policy : state.policiesOf(tenant).governing(type, id)) {
            if (!PolicyRules.appliesAt(policy, at)) {
                continue; // a one-off budget outside its window
            }
            if (PeriodCalendar.isFixed(policy.getPeriod())) {
                PeriodWindow period = PeriodCalendar.windowAt(policy.getPeriod(), at);
                stores.awaitSeeded(usage, policy);
                PolicyCounter counter = usage.counter(policy, id, period);
                statuses.add(status(policy, id, period, counter.used(), stores.held().held(policy, id, period),
                        counter.crossed(), counter.late(), at));
            } else {
                long duration = RollingWindow.durationMs(policy.getPeriod());
                PeriodWindow window = new PeriodWindow(at.minusMillis(duration), at);
                statuses.add(status(policy, id, window, usage.rolling(policy, id, at.toEpochMilli()),
                        stores.held().held(policy, id, null), new int[0], 0, at));
            }
        }
        return statuses;
    }

    /** The tenant's breaches whose crossing event occurred in {@code span}. */
    public static List<BudgetBreach> breaches(TenantStores stores, String tenant, PeriodWindow span) {
        return stores.breaches().crossedBetween(tenant, span.start(), span.end());
    }

    private static BudgetStatus status(BudgetPolicy policy, String member, PeriodWindow period, long used, long held, int[] crossed,
                                       long late, Instant at) {
        BudgetLine line = new BudgetLine(policy, member, period, used, held, 0, null, null, null);
        long elapsed = at.toEpochMilli() - period.start().toEpochMilli();
        long length = period.end().toEpochMilli() - period.start().toEpochMilli();
        long burn = elapsed <= 0 ? 0 : scale(used, Buckets.DAY_MS, elapsed);
        long projected = elapsed <= 0 ? used : scale(used, length, elapsed);
        Long warnAt = PolicyRules.judges(policy) ? PolicyRules.softBoundary(policy) : null;
        return new BudgetStatus(line, Arrays.copyOf(crossed, crossed.length), burn, projected, runsOutAt(line, at, elapsed), warnAt, late);
    }

    /**
     * When the budget would be used up at the rate of its period so far (used over the time
     * elapsed, what is held counted as spent already), or null: no limit, nothing used yet, or not
     * before the period ends. Used up already: {@code at}.
     */
    private static Instant runsOutAt(BudgetLine line, Instant at, long elapsed) {
        if (line.unlimited() || elapsed <= 0) {
            return null;
        }
        long left = line.limit() - PolicyRules.addSaturating(line.used(), line.held());
        if (left <= 0) {
            return at;
        }
        if (line.used() <= 0) {
            return null;
        }
        long later = scale(left, elapsed, line.used());
        Instant when = at.plusMillis(later);
        return when.isBefore(line.period().end()) ? when : null;
    }

    /** {@code amount * numerator / denominator}, exact and floored, without overflow on the way. */
    private static long scale(long amount, long numerator, long denominator) {
        return BigInteger.valueOf(amount).multiply(BigInteger.valueOf(numerator)).divide(BigInteger.valueOf(denominator))
                .min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
    }
}
