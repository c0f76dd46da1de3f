package dev.usageledger.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LedgerClusterExtension.class)
class UsageEventRoundTripIT {

    @Test
    void shouldReadBackEveryEventByteForByteThroughTheBrokerAndTheRegistry(LedgerCluster cluster) {
        String topic = LedgerCluster.uniqueName("usage");
        createTopic(cluster, topic);
        List<UsageEvent> sent = new ArrayList<>();
        for (int n = 0; n < 50; n++) {
            sent.add(SampleEvents.full(n));
        }

        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl())) {
            AvroSerde<UsageEvent> serde = AvroSerde.forValues(UsageEvent.class, registry);
            List<byte[]> written = sent.stream().map(e -> serde.serializer().serialize(topic, e)).toList();
            produce(cluster, topic, sent, written);

            List<ConsumerRecord<String, byte[]>> received = consume(cluster, topic, sent.size());

            assertThat(received).hasSize(sent.size());
            for (int i = 0; i < sent.size(); i++) {
                byte[] bytes = received.get(i).value();
                assertThat(bytes).as("event %d on the wire", i).isEqualTo(written.get(i));
                UsageEvent decoded = serde.deserializer().deserialize(topic, bytes);
                assertThat(decoded).as("event %d decoded", i).isEqualTo(sent.get(i));
            }
            int id = WireFormat.schemaId(written.getFirst());
            assertThat(registry.latest(topic + "-value").id()).isEqualTo(id);
            assertThat(registry.schemaById(id)).isEqualTo(RegistrySchemas.portable(UsageEvent.getClassSchema()));
            assertThat(registry.schemaById(id).toString()).doesNotContain("avro.java.string");
        }
    }

    private static void produce(LedgerCluster cluster, String topic, List<UsageEvent> events, List<byte[]> values) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events.size(); i++) {
                producer.send(new ProducerRecord<>(topic, events.get(i).getTenantId(), values.get(i)));
            }
            producer.flush();
        }
    }

    static List<ConsumerRecord<String, byte[]>> consume(LedgerCluster cluster, String topic, int expected) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertThat(records).as("records read back from %s within 30 s", topic).hasSize(expected);
        return records;
    }

    static void createTopic(LedgerCluster cluster, String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(topic, 1, Map.of())));
        }
    }
}
