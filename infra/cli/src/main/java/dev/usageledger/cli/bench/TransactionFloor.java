package dev.usageledger.cli.bench;

import java.time.Duration;
import java.util.ArrayList;
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
 * The least a durable, fenced answer costs on this broker: requests queue, one thread takes all
 * that wait, sends one small record each in one transaction of a producer with its own
 * {@code transactional.id} (acks=all, idempotent, no linger) and commits it, then answers them.
 * It is the hold journal's commit loop with nothing decided, no HTTP and no stores: hold
 * placement is measured beside it, and the gap between the two is what the ledger adds.
 */
final class TransactionFloor implements AutoCloseable {
    private static final byte[] RECORD = new byte[200]; // about a journaled hold decision

    private final List<KafkaProducer<String, byte[]>> producers = new ArrayList<>();
    private final String topic;
    private final BlockingQueue<CompletableFuture<Void>> queue = new LinkedBlockingQueue<>();
    private final Thread committer;

    /** A floor whose batches take turns over {@code producers} transactional producers, as the hold journal's do. */
    TransactionFloor(String bootstrapServers, String topic, String transactionalId, int producers) {
        this.topic = topic;
        for (int i = 0; i < producers; i++) {
            KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId + "-" + i, ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 1),
                    new StringSerializer(), new ByteArraySerializer());
            producer.initTransactions();
            this.producers.add(producer);
        }
        this.committer = Thread.ofPlatform().name("transaction-floor").daemon().start(this::run);
    }

    /** One request: answers once its record is committed. */
    boolean commitOne() throws Exception {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        queue.add(answer);
        answer.get(30, TimeUnit.SECONDS);
        return true;
    }

    private void run() {
        List<CompletableFuture<Void>> batch = new ArrayList<>();
        int turn = 0;
        try {
            while (!Thread.currentThread().isInterrupted()) {
                batch.add(queue.take());
                queue.drainTo(batch);
                KafkaProducer<String, byte[]> producer = producers.get(turn);
                turn = (turn + 1) % producers.size();
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
        committer.interrupt();
        producers.forEach(producer -> producer.close(Duration.ofSeconds(5)));
    }
}
