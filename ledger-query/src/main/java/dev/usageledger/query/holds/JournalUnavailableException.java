package dev.usageledger.query.holds;

/**
 * A hold could not be decided and journaled here now: the partition's journal is starting (its
 * task has not applied the journal to its end yet), was fenced by a new owner, or failed to
 * commit. Nothing was reserved; retry with the same {@code hold_id} after a short wait.
 */
public final class JournalUnavailableException extends RuntimeException {
    public JournalUnavailableException(String message) {
        super(message);
    }

    public JournalUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
