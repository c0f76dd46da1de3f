package dev.usageledger.cli.produce;

import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.streams.errors.RejectHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the ledger made of an import's records, read from what enforcement publishes: a record on
 * the rated topic for each event it counted, a record on the rejected topic (with the source
 * offset) for each it set aside, and position marks on the rated topic saying how far each usage
 * partition was processed. A record processed but neither counted nor rejected is a duplicate.
 *
 * <p>Both topics are read {@code read_committed} from where they ended before the import sent
 * anything, on a thread of its own; {@link #sent} is called from the producer's callbacks.
 */
final class ImportOutcome implements AutoCloseable {
    /** The offsets an import wrote to one usage partition, from that partition's end before it began. */
    private static final class Sent {
        private final long base;
        private final BitSet offsets = new BitSet();
        private long last = -1;

        Sent(long base) {
            this.base = base;
        }

        synchronized void add(long offset) {
            offsets.set(Math.toIntExact(offset - base));
            last = Math.max(last, offset);
        }

        synchronized boolean contains(long offset) {
            return offset >= base && offset - base < Integer.MAX_VALUE && offsets.get((int) (offset - base));
        }

        /** How many sent offsets are at or below {@code upTo}. */
        synchronized long upTo(long upTo) {
            return upTo < base ? 0 : offsets.get(0, (int) Math.min(upTo - base + 1, Integer.MAX_VALUE)).cardinality();
        }

        synchronized long last() {
            return last;
        }

        synchronized long total() {
            return offsets.cardinality();
        }
    }

    /** A count at one moment: processed = counted + duplicates + rejected. */
    record Counts(long sent, long processed, long counted, long duplicates, long rejected, Map<String, Long> rejectedByReason) {
    }

    private final String usageTopic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroDeserializer<RatedUsageEvent> rated;
    private final String ratedTopic;
    private final Map<Integer, Sent> sent = new ConcurrentHashMap<>();
    private final Map<Integer, Long> processedUpTo = new ConcurrentHashMap<>();
    private final AtomicLong counted = new AtomicLong();
    private final Map<String, Long> rejected = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean allSent;
    private volatile boolean settled;
    private volatile RuntimeException failure;

    /**
     * Starts following {@code topics} (usage, rated, rejected); {@code clientSettings} are the
     * Kafka client settings (bootstrap servers and security).
     */
    ImportOutcome(Map<String, Object> clientSettings, String usageTopic, String ratedTopic, String rejectedTopic,
                  AvroDeserializer<RatedUsageEvent> rated, Duration timeout) {
        this.usageTopic = usageTopic;
        this.ratedTopic = ratedTopic;
        this.rated = rated;
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        this.consumer = new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> usage = partitions(usageTopic, timeout);
            consumer.endOffsets(usage, timeout).forEach((partition, end) -> sent.put(partition.partition(), new Sent(end)));
            List<TopicPartition> followed = new ArrayList<>(partitions(ratedTopic, timeout));
            followed.addAll(partitions(rejectedTopic, timeout));
            consumer.assign(followed);
            consumer.endOffsets(followed, timeout).forEach(consumer::seek);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
        this.reader = Thread.ofPlatform().name("ledger-import-outcome").daemon().start(this::read);
    }

    private List<TopicPartition> partitions(String topic, Duration timeout) {
        var infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
    }

    /** The import's record went to {@code partition} at {@code offset}. */
    void sent(int partition, long offset) {
        Sent onPartition = sent.get(partition);
        if (onPartition == null) {
            throw new IllegalStateException("partition " + partition + " of " + usageTopic + " appeared after the import began");
        }
        onPartition.add(offset);
    }

    /** Everything is sent: once the ledger has processed the last record sent to each partition, the outcome is settled. */
    void allSent() {
        allSent = true;
    }

    /** Whether every record sent was processed and its outcome read. */
    boolean settled() {
        if (failure != null) {
            throw failure;
        }
        return settled;
    }

    Counts counts() {
        long total = 0;
        long processed = 0;
        for (Map.Entry<Integer, Sent> partition : sent.entrySet()) {
            total += partition.getValue().total();
            processed += partition.getValue().upTo(processedUpTo.getOrDefault(partition.getKey(), -1L));
        }
        Map<String, Long> byReason = new TreeMap<>(rejected);
        long rejectedTotal = byReason.values().stream().mapToLong(Long::longValue).sum();
        long countedNow = counted.get();
        return new Counts(total, processed, countedNow, Math.max(0, processed - countedNow - rejectedTotal), rejectedTotal, byReason);
    }

    private void read() {
        try {
            Map<TopicPartition, Long> drainTo = null;
            while (!settled) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.topic().equals(ratedTopic)) {
                        onRated(record);
                    } else {
                        onRejected(record);
                    }
                }
                if (drainTo == null && allSent && caughtUp()) {
                    // every outcome up to the last record is committed: a record it rejected is on the rejected topic by now
                    drainTo = consumer.endOffsets(consumer.assignment());
                }
                if (drainTo != null && drained(drainTo)) {
                    settled = true;
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    private boolean caughtUp() {
        for (Map.Entry<Integer, Sent> partition : sent.entrySet()) {
            long last = partition.getValue().last();
            if (last >= 0 && processedUpTo.getOrDefault(partition.getKey(), -1L) < last) {
                return false;
            }
        }
        return true;
    }

    private boolean drained(Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void onRated(ConsumerRecord<byte[], byte[]> record) {
        RatedUsageEvent value = rated.deserialize(record.topic(), record.value());
        if (value == null || value.getSeedRequest() != null) {
            return; // a seed request is written before the event that triggered it is counted
        }
        processedUpTo.merge(value.getSourcePartition(), value.getSourceOffset(), Math::max);
        if (value.getUsage() != null && isOurs(value.getSourcePartition(), value.getSourceOffset())) {
            counted.incrementAndGet();
        }
    }

    private void onRejected(ConsumerRecord<byte[], byte[]> record) {
        if (!usageTopic.equals(header(record, RejectHeaders.SOURCE_TOPIC))) {
            return;
        }
        String partition = header(record, RejectHeaders.SOURCE_PARTITION);
        String offset = header(record, RejectHeaders.SOURCE_OFFSET);
        if (partition != null && offset != null && isOurs(Integer.parseInt(partition), Long.parseLong(offset))) {
            String reason = header(record, RejectHeaders.REASON);
            rejected.merge(reason == null ? "unknown" : reason, 1L, Long::sum);
        }
    }

    private boolean isOurs(int partition, long offset) {
        Sent onPartition = sent.get(partition);
        return onPartition != null && onPartition.contains(offset);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        settled = true;
        consumer.wakeup();
        reader.join(5_000);
        consumer.close(Duration.ofSeconds(1));
    }
}
