package dev.usageledger.cli.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What a durable answer costs on this broker, with nothing decided, no HTTP and no stores; hold
 * placement is measured beside it, and the gap between the two is what the ledger adds.
 * <ul>
 *   <li>{@link #acknowledged}: each request sends one small record with an idempotent producer
 *   (acks=all, no linger) and is answered once it is acknowledged: the least any answer after a
 *   durable write costs, and what the hold journal pays per decision.</li>
 *   <li>{@link #transactions}: requests queue, one thread takes all that wait, sends one record each
 *   in one transaction of a producer with its own {@code transactional.id} and commits it, then
 *   answers them: what a journal that commits a transaction per batch pays.</li>
 * </ul>
 */
final class KafkaFloor implements AutoCloseable {
    private static final byte[] RECORD = new byte[200]; // about a journaled hold decision

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final BlockingQueue<CompletableFuture<Void>> queue = new LinkedBlockingQueue<>();
    private final Thread committer;

    private KafkaFloor(String bootstrapServers, String topic, String transactionalId) {
        this.topic = topic;
        Map<String, Object> props = new HashMap<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 1));
        if (transactionalId != null) {
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        if (transactionalId != null) {
            producer.initTransactions();
            this.committer = Thread.ofPlatform().name("transaction-floor").daemon().start(this::run);
        } else {
            this.committer = null;
        }
    }

    /** Each request one acknowledged record of an idempotent producer. */
    static KafkaFloor acknowledged(String bootstrapServers, String topic) {
        return new KafkaFloor(bootstrapServers, topic, null);
    }

    /** Each batch of waiting requests one transaction of one producer. */
    static KafkaFloor transactions(String bootstrapServers, String topic, String transactionalId) {
        return new KafkaFloor(bootstrapServers, topic, transactionalId);
    }

    /** One request: answers once its record is acknowledged, or committed. */
    boolean commitOne() throws Exception {
        if (committer == null) { // acknowledged writes: no batching thread
            producer.send(new ProducerRecord<>(topic, 0, null, RECORD)).get(30, TimeUnit.SECONDS);
            return true;
        }
        CompletableFuture<Void> answer = new CompletableFuture<>();
        queue.add(answer);
        answer.get(30, TimeUnit.SECONDS);
        return true;
    }

    private void run() {
        List<CompletableFuture<Void>> batch = new ArrayList<>();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                batch.add(queue.take());
                queue.drainTo(batch);
                producer.beginTransaction();
                for (int i = 0; i < batch.size(); i++) {
                    producer.send(new ProducerRecord<>(topic, 0, null, RECORD));
                }
                producer.commitTransaction();
                batch.forEach(answer -> answer.complete(null));
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            batch.forEach(answer -> answer.completeExceptionally(e));
        }
    }

    @Override
    public void close() {
        if (committer != null) {
            committer.interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
