package dev.usageledger.producer;

import dev.usageledger.schemas.validation.Violation;

/**
 * The event breaks a rule of the ledger (see {@code UsageEventRules}) and was not sent. Never
 * retriable: fix the event. {@link #violation()} names the field, the value and the reason.
 */
public class InvalidUsageEventException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient Violation violation;

    public InvalidUsageEventException(Violation violation) {
        super("invalid usage event: " + violation.message() + " (field " + violation.field() + ", reason "
                + violation.reason() + ")");
        this.violation = violation;
    }

    public Violation violation() {
        return violation;
    }
}
