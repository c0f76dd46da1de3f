package dev.usageledger.infra.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.infra.embedded.testkit.TestKafka;
import dev.usageledger.infra.embedded.testkit.TestKafkas;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** A multi-broker cluster of its own, since it stops and restarts a broker. */
class EmbeddedKafkaClusterIT {

    @Test
    void shouldKeepEveryAcknowledgedRecordWhileOneOfThreeBrokersRestarts() throws Exception {
        try (TestKafka kafka = TestKafkas.inJvm(3)) {
            String topic = "restart-test";
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                TopicAdmin.ensure(admin, List.of(new TopicSpec(topic, 3, Map.of())));
            }
            try (KafkaProducer<String, String> producer = producer(kafka)) {
                send(producer, topic, 0, 100);
                kafka.stopBroker(1);
                send(producer, topic, 100, 200);
                kafka.startBroker(1);
                send(producer, topic, 200, 300);
            }

            List<String> values = readAll(kafka, topic, 300);

            assertThat(values).hasSize(300).doesNotHaveDuplicates();
        }
    }

    private static void send(KafkaProducer<String, String> producer, String topic, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            producer.send(new ProducerRecord<>(topic, "k" + (i % 7), "v" + i)).get();
        }
    }

    private static KafkaProducer<String, String> producer(TestKafka kafka) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000), new StringSerializer(), new StringSerializer());
    }

    private static List<String> readAll(TestKafka kafka, String topic, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                    new TopicPartition(topic, 2));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }
}
