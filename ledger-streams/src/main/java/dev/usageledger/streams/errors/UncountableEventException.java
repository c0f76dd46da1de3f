package dev.usageledger.streams.errors;

/**
 * A valid event that cannot be counted — a total or counter it would change would leave the range
 * of a long, or its tokens cannot be rated — found before anything of it was written. The event
 * goes to the rejected topic with {@link #reason()} and nothing of it is counted, so a corrected
 * re-send with the same id counts. Retrying the same record gives the same answer.
 */
public final class UncountableEventException extends RuntimeException {
    private final String reason;

    public UncountableEventException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** The rejection reason on the rejected topic, e.g. {@code amount_overflow}. */
    public String reason() {
        return reason;
    }
}
