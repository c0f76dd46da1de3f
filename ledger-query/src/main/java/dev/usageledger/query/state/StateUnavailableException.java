package dev.usageledger.query.state;

/**
 * The local state cannot answer now: the instance is starting, restoring or rebalancing.
 * Retryable: the HTTP layer answers 503 with {@code retry_after_ms}.
 */
public final class StateUnavailableException extends RuntimeException {
    private final long retryAfterMs;

    public StateUnavailableException(String message, long retryAfterMs) {
        super(message);
        this.retryAfterMs = retryAfterMs;
    }

    public long retryAfterMs() {
        return retryAfterMs;
    }
}
