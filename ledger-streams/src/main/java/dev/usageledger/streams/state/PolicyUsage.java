package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PeriodCalendar;
import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.streams.rules.RollingWindow;

/**
 * A policy's usage as the stores hold it, read the way the policy step counts it: a period's
 * counter (zero when nothing was counted there yet), and a rolling window's sub-buckets. Readers
 * outside the topology (the query service) use this so that a check sees exactly the number the
 * next event would be added to. A counter is complete only once its policy is seeded
 * ({@link #seedPending}): until then it lacks the usage counted before the policy. A global
 * policy's counter is the global task's (ADR 0003), where the reader has it.
 */
public final class PolicyUsage {
    private final PolicyCounterStore counters;
    private final RollingCounterStore rolling;
    private final PolicySeedStore seeds;
    private final PolicyCounterStore globalCounters;

    /** @param seeds the partition's seed marks, or null where seeds are not followed (the hold step's own reads) */
    public PolicyUsage(PolicyCounterStore counters, RollingCounterStore rolling, PolicySeedStore seeds) {
        this(counters, rolling, seeds, null);
    }

    /** @param globalCounters the global policies' counters as the global task publishes them, or null where they are not read */
    public PolicyUsage(PolicyCounterStore counters, RollingCounterStore rolling, PolicySeedStore seeds, PolicyCounterStore globalCounters) {
        this.counters = counters;
        this.rolling = rolling;
        this.seeds = seeds;
        this.globalCounters = globalCounters;
    }

    /** The counter of a calendar or interval policy's period for one member (zero when nothing counted yet). */
    public PolicyCounter counter(BudgetPolicy policy, String member, PeriodWindow period) {
        PolicyCounterStore kept = globalCounters != null && PolicyRules.isGlobal(policy) ? globalCounters : counters;
        PolicyCounter counter = kept.get(PolicyCounterStore.key(policy.getTenantId(), policy.getPolicyId(), member, period.start()));
        return counter != null ? counter : PolicyCounter.zero(period.end().toEpochMilli());
    }

    /**
     * Whether the policy's counters still lack the usage counted before it: registered and
     * waiting for its seed, or not registered yet by a task whose tenant has usage (it will be,
     * within its next book scan). Rolling windows and global policies are never seeded.
     */
    public boolean seedPending(BudgetPolicy policy) {
        if (seeds == null || !PeriodCalendar.isFixed(policy.getPeriod()) || PolicyRules.isGlobal(policy)) {
            return false;
        }
        PolicySeedStore.Mark mark = seeds.mark(policy.getTenantId(), policy.getPolicyId());
        return mark == null ? seeds.knowsTenant(policy.getTenantId()) : mark.pending();
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
}
