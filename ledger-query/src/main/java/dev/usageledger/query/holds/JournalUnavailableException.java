package dev.usageledger.query.holds;

/**
 * A hold could not be answered here now: the partition's journal is starting (its task has not
 * applied the journal to its end yet), was fenced by a new owner, or failed to journal or read
 * back a decision. A decision may have been journaled all the same; a retry with the same
 * {@code hold_id} after a short wait gets it, or a new one if none was.
 */
public final class JournalUnavailableException extends RuntimeException {
    public JournalUnavailableException(String message) {
        super(message);
    }

    public JournalUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
