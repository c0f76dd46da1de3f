package dev.usageledger.streams.decision;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyRules;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * One budget a call is judged against: a policy for one member of its subject in one period,
 * what is used and held there, what the call would add, and the verdict with its reason
 * ({@code hard_limit}, {@code estimate_exceeds_remaining}, {@code soft_limit}, {@code rate_limited};
 * null when allowed). {@code retryAfterMs} is set for a rate limit that will have room later.
 */
public record BudgetLine(BudgetPolicy policy, String member, PeriodWindow period, long used, long held, long estimate,
                         Verdict verdict, String reason, Long retryAfterMs) {

    public long limit() {
        return policy.getLimit();
    }

    /** Whether the budget counts without a limit: then it has no remaining amount and no percentage. */
    public boolean unlimited() {
        return policy.getUnlimited();
    }

    /** What is left before the limit, never below zero; {@link Long#MAX_VALUE} for an unlimited budget. */
    public long remaining() {
        if (unlimited()) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, PolicyRules.addSaturating(policy.getLimit(), -PolicyRules.addSaturating(used, held)));
    }

    /** Used, held and the estimate as a percentage of the limit, two decimals; null for a zero limit or none. */
    public BigDecimal pctAfter() {
        if (unlimited()) {
            return null;
        }
        return percent(PolicyRules.addSaturating(PolicyRules.addSaturating(used, held), estimate), policy.getLimit());
    }

    /** {@code amount} as a percentage of {@code limit}, two decimals half-even; null for a zero limit. */
    public static BigDecimal percent(long amount, long limit) {
        if (limit == 0) {
            return null;
        }
        return BigDecimal.valueOf(amount).multiply(BigDecimal.valueOf(100)).divide(BigDecimal.valueOf(limit), 2, RoundingMode.HALF_EVEN);
    }
}
