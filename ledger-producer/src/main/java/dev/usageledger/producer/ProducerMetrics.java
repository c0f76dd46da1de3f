package dev.usageledger.producer;

/**
 * A snapshot of the client's counters: events acknowledged by Kafka on first send
 * ({@code published}), put in the spool ({@code spooled}), sent from the spool ({@code resent}),
 * refused ({@code failed}); the spool's current depth and the age of its oldest event.
 */
public record ProducerMetrics(long published, long spooled, long resent, long failed, long spoolDepth,
                              long oldestSpooledAgeMs) {
}
