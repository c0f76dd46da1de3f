package dev.usageledger.query.state;

import dev.usageledger.streams.decision.BudgetLine;
import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.Buckets;
import dev.usageledger.streams.rules.PeriodCalendar;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.streams.rules.RollingWindow;
import dev.usageledger.streams.state.PolicyUsage;
import dev.usageledger.streams.state.TotalsStore;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;

/** Reporting reads over one partition's stores: totals of a span, breakdowns, budget status, breaches. */
public final class Reports {
    /** One budget's standing at an instant. */
    public record BudgetStatus(BudgetLine line, int[] crossed, long burnRatePerDay, long projectedAtPeriodEnd, Long warnAt) {
    }

    private final LedgerState state;

    public Reports(LedgerState state) {
        this.state = state;
    }

    /** The scope's totals over {@code span}, which must start and end on UTC hours. */
    public static Totals totals(TenantStores stores, String tenant, SubjectType type, String id, PeriodWindow span) {
        return stores.periodUsage().totals(tenant, type, id, span);
    }

    /** The tenant's totals over {@code span} for each member of {@code type} (one range scan per bucket size). */
    public static Map<String, Totals> breakdown(TenantStores stores, String tenant, SubjectType type, PeriodWindow span) {
        return stores.periodUsage().byMember(tenant, type, span);
    }

    /** Day buckets (UTC) of a scope in {@code [from, to)}, every day listed, zero when nothing was used. */
    public static List<KeyValue<PeriodWindow, Totals>> dailySeries(TenantStores stores, String tenant, SubjectType type, String id,
                                                                   PeriodWindow span) {
        Map<Long, Totals> found = stores.days().buckets(TotalsStore.scopeKey(tenant, type, id), span.start(),
                span.end().minusMillis(1));
        List<KeyValue<PeriodWindow, Totals>> series = new ArrayList<>();
        for (long day = Buckets.day(span.start().toEpochMilli()); day < span.end().toEpochMilli(); day += Buckets.DAY_MS) {
            series.add(KeyValue.pair(new PeriodWindow(Instant.ofEpochMilli(day), Instant.ofEpochMilli(day + Buckets.DAY_MS)),
                    found.getOrDefault(day, Totals.ZERO)));
        }
        return series;
    }

    /** Every budget that applies to the scope's member at {@code at}, after precedence. */
    public List<BudgetStatus> status(TenantStores stores, String tenant, SubjectType type, String id, Instant at) {
        PolicyUsage usage = stores.policyUsage();
        List<BudgetStatus> statuses = new ArrayList<>();
        for (BudgetPolicy policy : state.policiesOf(tenant).governing(type, id)) {
            if (PeriodCalendar.isFixed(policy.getPeriod())) {
                PeriodWindow period = PeriodCalendar.windowAt(policy.getPeriod(), at);
                PolicyCounter counter = usage.counter(policy, id, period);
                statuses.add(status(policy, id, period, counter.used(), stores.held().held(policy, id, period),
                        counter.crossed(), at));
            } else {
                long duration = RollingWindow.durationMs(policy.getPeriod());
                PeriodWindow window = new PeriodWindow(at.minusMillis(duration), at);
                statuses.add(status(policy, id, window, usage.rolling(policy, id, at.toEpochMilli()),
                        stores.held().held(policy, id, null), new int[0], at));
            }
        }
        return statuses;
    }

    /** The tenant's breaches whose crossing event occurred in {@code span}. */
    public static List<BudgetBreach> breaches(TenantStores stores, String tenant, PeriodWindow span) {
        return stores.breaches().crossedBetween(tenant, span.start(), span.end());
    }

    private static BudgetStatus status(BudgetPolicy policy, String member, PeriodWindow period, long used, long held, int[] crossed,
                                       Instant at) {
        BudgetLine line = new BudgetLine(policy, member, period, used, held, 0, null, null, null);
        long elapsed = at.toEpochMilli() - period.start().toEpochMilli();
        long length = period.end().toEpochMilli() - period.start().toEpochMilli();
        long burn = elapsed <= 0 ? 0 : scale(used, Buckets.DAY_MS, elapsed);
        long projected = elapsed <= 0 ? used : scale(used, length, elapsed);
        Long warnAt = policy.getSoftLimitPct() == null || policy.getUnlimited() ? null : PolicyRules.boundary(policy.getLimit(), policy.getSoftLimitPct());
        return new BudgetStatus(line, Arrays.copyOf(crossed, crossed.length), burn, projected, warnAt);
    }

    /** {@code amount * numerator / denominator}, exact and floored, without overflow on the way. */
    private static long scale(long amount, long numerator, long denominator) {
        return BigInteger.valueOf(amount).multiply(BigInteger.valueOf(numerator)).divide(BigInteger.valueOf(denominator))
                .min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
    }
}
