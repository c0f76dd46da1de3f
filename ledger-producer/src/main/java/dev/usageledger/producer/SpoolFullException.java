package dev.usageledger.producer;

import org.apache.kafka.common.errors.RetriableException;

/**
 * The event could not be sent and the local spool had no room for it within the configured
 * wait: the event was NOT accepted. Retriable once the broker is back (the spool drains) or the
 * spool's size bound ({@code ledger.spool.max.bytes}) is raised.
 */
public class SpoolFullException extends RetriableException {
    private static final long serialVersionUID = 1L;

    public SpoolFullException(String message) {
        super(message);
    }
}
