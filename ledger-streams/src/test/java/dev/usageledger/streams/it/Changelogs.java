package dev.usageledger.streams.it;

import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/** Reads a topic (a store's changelog) from the beginning to its end as one isolation level sees it. */
final class Changelogs {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);

    private Changelogs() {
    }

    /** The last record of each key, as {@code isolation} sees the topic now. */
    static <K, V> Map<K, ConsumerRecord<K, V>> latest(LedgerCluster cluster, String topic, IsolationLevel isolation,
                                                      Deserializer<K> keys, Deserializer<V> values) {
        Map<K, ConsumerRecord<K, V>> latest = new HashMap<>();
        read(cluster, topic, isolation, keys, values, record -> latest.put(record.key(), record));
        return latest;
    }

    /** How many records {@code isolation} sees in the topic now. */
    static long count(LedgerCluster cluster, String topic, IsolationLevel isolation) {
        long[] count = {0};
        read(cluster, topic, isolation, new ByteArrayDeserializer(), new ByteArrayDeserializer(), record -> count[0]++);
        return count[0];
    }

    private static <K, V> void read(LedgerCluster cluster, String topic, IsolationLevel isolation, Deserializer<K> keys,
                                    Deserializer<V> values, Consumer<ConsumerRecord<K, V>> each) {
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString().toLowerCase(Locale.ROOT),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), keys, values)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // read_committed: the end is the last stable offset, before the first open transaction
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(partition -> consumer.position(partition) < end.get(partition))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to " + end + " within " + READ_TIMEOUT.toSeconds() + " s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }
}
