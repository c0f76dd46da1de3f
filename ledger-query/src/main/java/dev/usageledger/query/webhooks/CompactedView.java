package dev.usageledger.query.webhooks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compacted topic held in memory by every instance: read from the beginning and followed, key to
 * latest value (a tombstone removes the key). Writes go through Kafka (acknowledged by every
 * in-sync replica) and a writer can wait until this instance has read its own write.
 */
final class CompactedView implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CompactedView.class);

    private final String topic;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Producer<String, byte[]> producer;
    private final Map<String, byte[]> values = new ConcurrentHashMap<>();
    private final Map<Integer, Long> positions = new ConcurrentHashMap<>();
    private final Object moved = new Object();
    private final Thread reader;
    private final Admin admin;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final BiConsumer<String, byte[]> listener;
    private volatile boolean closed;

    CompactedView(String topic, Map<String, Object> clientSettings, Producer<String, byte[]> producer, BiConsumer<String, byte[]> listener) {
        this.topic = topic;
        this.producer = producer;
        this.listener = listener;
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new ByteArrayDeserializer());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (partitions.isEmpty()) { // a topic just created may take a moment to appear in the metadata
            consumer.partitionsFor(topic, Duration.ofSeconds(5)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            if (partitions.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    consumer.close();
                    throw new IllegalStateException("topic " + topic + " does not exist; create it (compacted) before starting the service");
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    consumer.close();
                    throw new IllegalStateException("interrupted while waiting for topic " + topic, e);
                }
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        admin = Admin.create(new HashMap<>(clientSettings));
        reader = Thread.ofPlatform().name("ledger-view-" + topic).daemon().start(this::read);
    }

    private void read() {
        try {
            while (!closed) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        values.remove(record.key());
                    } else {
                        values.put(record.key(), record.value());
                    }
                    if (listener != null) {
                        listener.accept(record.key(), record.value());
                    }
                }
                for (TopicPartition partition : consumer.assignment()) {
                    positions.put(partition.partition(), consumer.position(partition));
                }
                synchronized (moved) {
                    moved.notifyAll();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("reading {} failed; its view stops here until the service restarts", topic, e);
        }
    }

    byte[] get(String key) {
        return values.get(key);
    }

    /** Every key and value, at this moment. */
    Map<String, byte[]> all() {
        return Map.copyOf(values);
    }

    /** Writes and waits for the acknowledgement; true once this view has read it within {@code wait}. */
    boolean write(String key, byte[] value, Duration wait) throws Exception {
        var metadata = producer.send(new ProducerRecord<>(topic, key, value)).get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return awaitPosition(metadata.partition(), metadata.offset() + 1, wait);
    }

    /** Waits until this view has read everything written so far (the topic's end offsets now). */
    boolean awaitCaughtUp(Duration wait) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
        var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                .get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        for (var end : ends.entrySet()) {
            if (!awaitPosition(end.getKey().partition(), end.getValue().offset(), wait)) {
                return false;
            }
        }
        return true;
    }

    private boolean awaitPosition(int partition, long position, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (moved) {
            while (positions.getOrDefault(partition, 0L) < position) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                moved.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(1));
        admin.close(Duration.ofSeconds(1));
    }
}
