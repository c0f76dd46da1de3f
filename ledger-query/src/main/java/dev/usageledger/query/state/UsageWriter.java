package dev.usageledger.query.state;

import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/**
 * Publishes usage events received over HTTP to the usage topic, keyed by tenant, and waits until
 * the brokers have acknowledged every one (acks=all, idempotent): an answer that says "accepted"
 * means durable in Kafka.
 */
public final class UsageWriter implements AutoCloseable {
    /** Where an event went. */
    public record Stored(int partition, long offset) {
    }

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final AvroSerializer<UsageEvent> serializer;
    private final Duration timeout;

    public UsageWriter(Producer<String, byte[]> producer, String topic, AvroSerializer<UsageEvent> serializer, Duration timeout) {
        this.producer = producer;
        this.topic = topic;
        this.serializer = serializer;
        this.timeout = timeout;
    }

    /** The usage topic it publishes to. */
    public String topic() {
        return topic;
    }

    /**
     * Sends the events and waits for every acknowledgement, in order of {@code events}.
     *
     * @throws StateUnavailableException when any is not acknowledged in time: the caller re-sends
     *                                   the batch (the ledger counts each event id once)
     */
    public List<Stored> publish(List<UsageEvent> events) {
        List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>(events.size());
        for (UsageEvent event : events) {
            CompletableFuture<RecordMetadata> sent = new CompletableFuture<>();
            try {
                producer.send(new ProducerRecord<>(topic, event.getTenantId(), serializer.serialize(topic, event)), (metadata, error) -> {
                    if (error == null) {
                        sent.complete(metadata);
                    } else {
                        sent.completeExceptionally(error);
                    }
                });
            } catch (KafkaException e) { // the send could not even be queued (no metadata within max.block.ms): the rest would not either
                throw new StateUnavailableException("Kafka did not take the batch (" + e.getMessage() + "); " + sends.size() + " of "
                        + events.size() + " events were sent before, and may still be stored; re-send the batch with the same event ids:"
                        + " the ledger counts each event id once", 1_000);
            }
            sends.add(sent);
        }
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailableException("interrupted while writing to " + topic, 1_000);
        } catch (ExecutionException | TimeoutException e) {
            long stored = sends.stream().filter(s -> s.isDone() && !s.isCompletedExceptionally()).count();
            throw new StateUnavailableException(stored + " of " + events.size() + " events were acknowledged by Kafka within "
                    + timeout.toMillis() + " ms (" + (e.getCause() == null ? e : e.getCause()) + "); re-send the batch with the same"
                    + " event ids: the ledger counts each event id once", 1_000);
        }
        List<Stored> stored = new ArrayList<>(sends.size());
        for (CompletableFuture<RecordMetadata> sent : sends) {
            RecordMetadata metadata = sent.join();
            stored.add(new Stored(metadata.partition(), metadata.offset()));
        }
        return stored;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
