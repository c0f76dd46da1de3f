package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.streams.rules.RollingWindow;
import java.util.function.LongSupplier;

/**
 * A policy's usage as the stores hold it, read the way the policy step counts it: a period's
 * counter when there is one, else what the totals hold for the period (the counter's seed), and
 * a rolling window's sub-buckets. Readers outside the topology (the query service) use this so
 * that a check sees exactly the number the next event would be added to.
 */
public final class PolicyUsage {
    /**
     * Where the seed of a counter not yet created comes from: {@link #READ} reads the totals each
     * time; a reader may remember seeds as long as it can show they have not changed.
     */
    @FunctionalInterface
    public interface Seeds {
        Seeds READ = (counterKey, read) -> read.getAsLong();

        /** The seed of the counter under {@code counterKey}; {@code read} reads it from the totals. */
        long seed(String counterKey, LongSupplier read);
    }

    private final PolicyCounterStore counters;
    private final RollingCounterStore rolling;
    private final PeriodUsage totals;
    private final Seeds seeds;

    public PolicyUsage(PolicyCounterStore counters, RollingCounterStore rolling, PeriodUsage totals) {
        this(counters, rolling, totals, Seeds.READ);
    }

    public PolicyUsage(PolicyCounterStore counters, RollingCounterStore rolling, PeriodUsage totals, Seeds seeds) {
        this.counters = counters;
        this.rolling = rolling;
        this.totals = totals;
        this.seeds = seeds;
    }

    /** The counter of a calendar or interval policy's period for one member (zero when nothing counted yet). */
    public PolicyCounter counter(BudgetPolicy policy, String member, PeriodWindow period) {
        String key = PolicyCounterStore.key(policy.getTenantId(), policy.getPolicyId(), member, period.start());
        PolicyCounter counter = counters.get(key);
        if (counter != null) {
            return counter;
        }
        long seed = seeds.seed(key, () -> seed(totals, policy, member, period));
        return PolicyCounter.zero(period.end().toEpochMilli()).plus(Math.max(0, seed));
    }

    /** The usage in a rolling policy's window ending at {@code atMs}. */
    public long rolling(BudgetPolicy policy, String member, long atMs) {
        return rolling.usage(RollingCounterStore.key(policy.getTenantId(), policy.getPolicyId(), member), atMs,
                RollingWindow.durationMs(policy.getPeriod()));
    }

    /** The rolling window's sub-buckets as {@code [start, amount]} pairs, oldest first. */
    public long[][] rollingBuckets(BudgetPolicy policy, String member, long atMs) {
        return rolling.buckets(RollingCounterStore.key(policy.getTenantId(), policy.getPolicyId(), member), atMs,
                RollingWindow.durationMs(policy.getPeriod()));
    }

    /**
     * What the totals hold for the policy's member over the period, or -1 when they cannot say:
     * a filtered policy (totals are not kept per filter) or a period not cut on UTC hours.
     */
    public static long seed(PeriodUsage totals, BudgetPolicy policy, String member, PeriodWindow period) {
        if (!PolicyRules.unfiltered(policy.getFilters())) {
            return -1;
        }
        return totals.sum(policy.getTenantId(), policy.getSubject().getType(), member, period, policy.getMetric());
    }
}
