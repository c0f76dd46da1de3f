package dev.usageledger.producer.enforce;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The answer to a check or a hold: the ledger's own ({@link Source#LEDGER}, with its JSON answer);
 * the ledger's undecided allow when it could not read the call's state and every budget of the
 * call fails open ({@link Source#POLICY_FAIL_OPEN}, with its answer and why in {@code reason}); or
 * this client's fail mode's when the ledger could not answer in time ({@link Source#FAIL_OPEN},
 * {@link Source#FAIL_CLOSED}, with why in {@code reason}).
 *
 * @param holdId the hold reserved for the call; null unless a hold was granted
 * @param answer the ledger's JSON answer (its budgets, reasons and message); null when it did not answer
 */
public record Verdict(Decision decision, Source source, String reason, String holdId, JsonNode answer) {
    /** The ledger's decisions. */
    public enum Decision { ALLOW, WARN, DENY }

    /** Who decided. */
    public enum Source { LEDGER, POLICY_FAIL_OPEN, FAIL_OPEN, FAIL_CLOSED }

    /** Whether the call may proceed (allowed, or allowed with a warning). */
    public boolean allowed() {
        return decision != Decision.DENY;
    }

    /**
     * What to tell people: the message of the budget that decided ("Request would exceed budget
     * 'Research Q4' ($1,200.00 of $1,000.00)"), the first one whose verdict is the decision; or
     * the reason the ledger did not answer.
     */
    public String message() {
        if (answer == null) {
            return reason;
        }
        if (answer.hasNonNull("message")) {
            return answer.get("message").asText();
        }
        for (JsonNode budget : answer.path("budgets")) {
            if (budget.path("verdict").asText().equalsIgnoreCase(decision.name()) && budget.hasNonNull("message")) {
                return budget.get("message").asText();
            }
        }
        return null;
    }
}
