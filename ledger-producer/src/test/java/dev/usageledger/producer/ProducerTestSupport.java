package dev.usageledger.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroDeserializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Topic set-up, producer configuration and read-back shared by the producer's broker tests. */
final class ProducerTestSupport {
    private ProducerTestSupport() {
    }

    static void createTopic(String bootstrap, String topic, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(topic, partitions, Map.of())));
        }
    }

    static Map<String, Object> config(String bootstrap, String registryUrl, String topic, Path spool) {
        Map<String, Object> config = new HashMap<>();
        config.put(LedgerProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put("schema.registry.url", registryUrl);
        config.put(LedgerProducerConfig.TOPIC_CONFIG, topic);
        config.put(LedgerProducerConfig.SPOOL_DIR_CONFIG, spool.toString());
        config.put(LedgerProducerConfig.RESEND_INTERVAL_MS_CONFIG, 200L);
        return config;
    }

    /** Reads the topic from the start until {@code expected} events arrived or 60 s passed. */
    static List<UsageEvent> readAll(String bootstrap, String registryUrl, String topic, int expected) {
        List<UsageEvent> events = new ArrayList<>();
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(registryUrl);
             KafkaConsumer<String, UsageEvent> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                     new StringDeserializer(), new AvroDeserializer<>(UsageEvent.class, registry))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (events.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> events.add(r.value()));
            }
            // Anything beyond what was expected (a duplicate) would arrive in the next polls.
            consumer.poll(Duration.ofMillis(500)).forEach(r -> events.add(r.value()));
        }
        assertThat(events).as("events read back from %s", topic).hasSizeGreaterThanOrEqualTo(expected);
        return events;
    }
}
