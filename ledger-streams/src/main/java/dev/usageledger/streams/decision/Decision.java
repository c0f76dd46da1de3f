package dev.usageledger.streams.decision;

import java.util.ArrayList;
import java.util.List;

/** The answer to a check: the worst verdict of its budgets, their distinct reasons, and each budget. */
public record Decision(Verdict decision, List<String> reasons, boolean unpriced, List<BudgetLine> budgets) {

    static Decision of(List<BudgetLine> budgets, boolean unpriced) {
        Verdict worst = Verdict.allow;
        List<String> reasons = new ArrayList<>();
        for (BudgetLine line : budgets) {
            worst = worst.worst(line.verdict());
            if (line.reason() != null && !reasons.contains(line.reason())) {
                reasons.add(line.reason());
            }
        }
        return new Decision(worst, List.copyOf(reasons), unpriced, List.copyOf(budgets));
    }

    /**
     * This decision denied first of all for {@code reason}, which no budget gives (an inactive
     * key): its budgets stay listed, as they stand.
     */
    public Decision deniedFor(String reason) {
        List<String> all = new ArrayList<>();
        all.add(reason);
        for (String other : reasons) {
            if (!other.equals(reason)) {
                all.add(other);
            }
        }
        return new Decision(Verdict.deny, List.copyOf(all), unpriced, budgets);
    }

    /** The longest wait any denying rate limit asks for, or null. */
    public Long retryAfterMs() {
        Long longest = null;
        for (BudgetLine line : budgets) {
            if (line.verdict() == Verdict.deny && line.retryAfterMs() != null) {
                longest = longest == null ? line.retryAfterMs() : Math.max(longest, line.retryAfterMs());
            }
        }
        return longest;
    }
}
