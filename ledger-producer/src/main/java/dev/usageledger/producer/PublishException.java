package dev.usageledger.producer;

import org.apache.kafka.common.KafkaException;

/**
 * Kafka refused the event for a reason retrying will not fix (for example a record larger than
 * the broker accepts, or an authorization failure). The event was not accepted.
 */
public class PublishException extends KafkaException {
    private static final long serialVersionUID = 1L;

    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
