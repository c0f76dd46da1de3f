package dev.usageledger.streams.decision;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.rules.CallDimensions;
import dev.usageledger.streams.rules.PeriodCalendar;
import dev.usageledger.streams.rules.PeriodSpec;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyIndex;
import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.streams.rules.RollingWindow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Judges a call before it is made: every policy that governs it (the same members, filters and
 * precedence the topology counts by) gives one {@link BudgetLine}, and the call's decision is the
 * worst of them. An enforced budget that the call would push past its limit denies it; one that
 * is not enforced warns; a soft limit warns; an unlimited or paused one only counts; a one-off
 * budget applies within its window only.
 */
public final class Decider {
    public static final String HARD_LIMIT = "hard_limit";
    public static final String EXCEEDS_REMAINING = "estimate_exceeds_remaining";
    public static final String SOFT_LIMIT = "soft_limit";
    public static final String RATE_LIMITED = "rate_limited";

    private Decider() {
    }

    /**
     * @param costMicros the call's cost: the estimate's own, or rated from the price book
     * @param unpriced   whether the cost could not be rated (no estimate cost and no price)
     */
    public static Decision decide(CallDimensions call, Estimate estimate, long costMicros, boolean unpriced,
                                  PolicyIndex policies, UsageSource usage, Instant now) {
        List<BudgetLine> lines = new ArrayList<>();
        for (Governing governing : governing(call, policies, now)) {
            BudgetPolicy policy = governing.policy();
            long amount = estimate.amount(policy.getMetric(), costMicros);
            PeriodSpec period = policies.period(policy);
            lines.add(period.isFixed()
                    ? periodLine(policy, PeriodCalendar.windowAt(period, now), governing.member(), amount, usage)
                    : rollingLine(policy, governing.member(), amount, usage, now.toEpochMilli()));
        }
        return Decision.of(lines, unpriced);
    }

    /** A budget that governs a call: the policy, and the member it is kept for. */
    public record Governing(BudgetPolicy policy, String member) {
    }

    /**
     * The budgets that govern the call at {@code now}: each policy of each of the call's members
     * that admits the call (its filters), is in its window and is not replaced by an override.
     */
    public static List<Governing> governing(CallDimensions call, PolicyIndex policies, Instant now) {
        List<Governing> found = new ArrayList<>();
        for (SubjectType type : policies.types()) {
            for (String member : PolicyRules.members(type, call)) {
                for (BudgetPolicy policy : policies.governing(type, member)) {
                    if (PolicyRules.admits(policy.getFilters(), call) && PolicyRules.appliesAt(policy, now)
                            && !policies.overridden(policy, call, now)) {
                        found.add(new Governing(policy, member));
                    }
                }
            }
        }
        return found;
    }

    /**
     * The budgets that could deny the call (governing, judging, enforced) when each of them fails
     * open ({@code fail_open}), so the call may go through while its state cannot be read; empty
     * when one of them fails closed.
     */
    public static Optional<List<Governing>> failingOpen(CallDimensions call, PolicyIndex policies, Instant now) {
        List<Governing> enforcing = new ArrayList<>();
        for (Governing governing : governing(call, policies, now)) {
            BudgetPolicy policy = governing.policy();
            if (PolicyRules.judges(policy) && policy.getEnforce()) {
                if (!policy.getFailOpen()) {
                    return Optional.empty();
                }
                enforcing.add(governing);
            }
        }
        return Optional.of(enforcing);
    }

    private static BudgetLine periodLine(BudgetPolicy policy, PeriodWindow period, String member, long amount, UsageSource usage) {
        long used = usage.used(policy, member, period);
        long held = usage.held(policy, member, period);
        if (!PolicyRules.judges(policy)) {
            return new BudgetLine(policy, member, period, used, held, amount, Verdict.allow, null, null);
        }
        long limit = policy.getLimit();
        long committed = PolicyRules.addSaturating(used, held);
        long after = PolicyRules.addSaturating(committed, amount);
        String reason = null;
        Verdict verdict = Verdict.allow;
        if (committed >= limit || after > limit) {
            reason = committed >= limit ? HARD_LIMIT : EXCEEDS_REMAINING;
            verdict = policy.getEnforce() ? Verdict.deny : Verdict.warn;
        } else if (PolicyRules.softBoundary(policy) != null && after >= PolicyRules.softBoundary(policy)) {
            reason = SOFT_LIMIT;
            verdict = Verdict.warn;
        }
        return new BudgetLine(policy, member, period, used, held, amount, verdict, reason, null);
    }

    private static BudgetLine rollingLine(BudgetPolicy policy, String member, long amount, UsageSource usage, long nowMs) {
        long duration = RollingWindow.durationMs(policy.getPeriod());
        long[][] buckets = usage.rollingBuckets(policy, member, nowMs);
        long used = 0;
        for (long[] bucket : buckets) {
            used = PolicyRules.addSaturating(used, bucket[1]);
        }
        long held = usage.held(policy, member, null);
        PeriodWindow window = new PeriodWindow(Instant.ofEpochMilli(nowMs - duration), Instant.ofEpochMilli(nowMs));
        if (!PolicyRules.judges(policy)) {
            return new BudgetLine(policy, member, window, used, held, amount, Verdict.allow, null, null);
        }
        long limit = policy.getLimit();
        long excess = PolicyRules.addSaturating(PolicyRules.addSaturating(PolicyRules.addSaturating(used, held), amount), -limit);
        if (excess <= 0) {
            return new BudgetLine(policy, member, window, used, held, amount, Verdict.allow, null, null);
        }
        Verdict verdict = policy.getEnforce() ? Verdict.deny : Verdict.warn;
        if (PolicyRules.addSaturating(held, amount) > limit) {
            // held reservations leave the window only when settled or expired: waiting out the window will not do
            return new BudgetLine(policy, member, window, used, held, amount, verdict, EXCEEDS_REMAINING, null);
        }
        return new BudgetLine(policy, member, window, used, held, amount, verdict, RATE_LIMITED,
                retryAfterMs(buckets, duration, nowMs, excess));
    }

    /**
     * How long until enough of the oldest usage leaves the window for {@code excess} to fit, with
     * no new usage meanwhile. A bucket starting at {@code s} leaves the window at {@code s + duration}.
     */
    static long retryAfterMs(long[][] buckets, long durationMs, long nowMs, long excess) {
        long freed = 0;
        for (long[] bucket : buckets) {
            freed = PolicyRules.addSaturating(freed, bucket[1]);
            if (freed >= excess) {
                return Math.max(1, bucket[0] + durationMs - nowMs);
            }
        }
        return durationMs;
    }
}
