package dev.usageledger.streams.errors;

/**
 * Making a record's changes failed after some were made: the stores hold part of the record. Not
 * retriable in place and never to be skipped — the task must fail, so exactly-once aborts its
 * transaction (the partial writes with it) and the record is processed again from the last
 * commit. {@link RejectingProcessingExceptionHandler} fails the task on it.
 */
public final class PartialWriteException extends RuntimeException {
    public PartialWriteException(int made, int total, Throwable cause) {
        super("a record's changes failed after " + made + " of " + total + " were made: " + cause, cause);
    }
}
