package dev.usageledger.producer;

/**
 * Where a published event went. {@code spooled} is true when Kafka could not take the event at
 * the time: it is durable in the local spool ({@code partition} and {@code offset} are -1) and
 * is re-sent when Kafka is back, by this client or the next one started on the same directory.
 */
public record PublishReceipt(String eventId, String topic, int partition, long offset, boolean spooled) {

    /** A receipt for an event Kafka acknowledged. */
    public static PublishReceipt sent(String eventId, String topic, int partition, long offset) {
        return new PublishReceipt(eventId, topic, partition, offset, false);
    }

    /** A receipt for an event written to the spool. */
    public static PublishReceipt spooled(String eventId, String topic) {
        return new PublishReceipt(eventId, topic, -1, -1, true);
    }
}
