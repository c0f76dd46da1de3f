package dev.usageledger.query.holds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.CallScope;
import dev.usageledger.schemas.avro.Estimate;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.HoldStatus;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.decision.HoldDecisions;
import dev.usageledger.streams.decision.UsageSource;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyIndex;
import dev.usageledger.streams.state.JournalEpochStore;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A reservation writer on a real broker whose partition's journal another writer opens while it
 * still runs (a zombie owner after a rebalance): it answers what it journaled before the new mark
 * and nothing after it, and whatever it journaled after the mark carries its old epoch, which the
 * task does not apply ({@code HoldTopologyTest} shows the task's side).
 */
@ExtendWith(LedgerClusterExtension.class)
class JournalFencingIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void shouldAnswerNothingMoreOnceAnotherWriterOpenedThePartitionsJournal(LedgerCluster cluster) throws Exception {
        String topic = LedgerCluster.uniqueName("journal-fencing");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(topic, 1, Map.of())));
        }
        LedgerStreamsConfig config = new LedgerStreamsConfig(Map.of(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                LedgerStreamsConfig.REGISTRY_URL_CONFIG, cluster.registryUrl(), LedgerStreamsConfig.APPLICATION_ID_CONFIG, topic));
        Producer<String, byte[]> marks = producer(config, "marks");
        long epochOfA = mark(marks, topic);
        AtomicBoolean failureReported = new AtomicBoolean();
        try (Producer<String, byte[]> producerOfA = producer(config, "a");
             PartitionJournal a = new PartitionJournal(0, topic, epochOfA, producerOfA, JournalFencingIT::bytes,
                () -> -1, partition -> VIEW, () -> failureReported.set(true))) {
            a.start();
            // Given writer A answers a hold
            assertThat(a.submit(request("a1")).get(WAIT.toSeconds(), TimeUnit.SECONDS).getState()).isEqualTo(HoldStatus.placed);

            // When another writer opens the partition's journal while A still runs
            long epochOfB = mark(marks, topic);

            // Then A answers nothing more: what it journals now lands after that mark, not where its next record belongs
            assertThatThrownBy(() -> a.submit(request("a2")).get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .hasCauseInstanceOf(JournalUnavailableException.class);
            assertThat(a.isOpen()).isFalse();
            Await.until(failureReported::get, WAIT, "the fenced journal tells its desk it stopped");
            assertThat(epochOfB).isGreaterThan(epochOfA);
        } finally {
            marks.close();
        }

        // And the journal holds A's mark and answer, then B's mark and answer; anything of A's after B's mark carries A's epoch
        List<ConsumerRecord<String, byte[]>> journal = readAll(cluster, topic);
        assertThat(journal.get(0).key()).isEqualTo(JournalEpochStore.MARK_KEY);
        assertThat(JournalEpochStore.epochOf(journal.get(1).headers())).hasValue(journal.get(0).offset());
        assertThat(text(journal.get(1))).contains("a1");
        assertThat(journal.get(2).key()).isEqualTo(JournalEpochStore.MARK_KEY);
        // a2, if A sent it at all, comes after the new mark with A's old epoch: the task does not apply it
        for (ConsumerRecord<String, byte[]> record : journal.subList(3, journal.size())) {
            assertThat(text(record)).contains("a2");
            assertThat(JournalEpochStore.epochOf(record.headers())).hasValue(journal.get(0).offset());
        }
        assertThat(journal.size()).isLessThanOrEqualTo(4);
    }

    private static long mark(Producer<String, byte[]> producer, String topic) throws Exception {
        return producer.send(new ProducerRecord<>(topic, 0, JournalEpochStore.MARK_KEY, null)).get().offset();
    }

    private static Producer<String, byte[]> producer(LedgerStreamsConfig config, String name) {
        return new KafkaProducer<>(Journals.producerProps(config, name + "-journal"), new StringSerializer(), new ByteArraySerializer());
    }

    private static byte[] bytes(HoldState hold) {
        return hold.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String text(ConsumerRecord<String, byte[]> record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    private static final PartitionView VIEW = new PartitionView() {
        @Override
        public PolicyIndex policies(String tenant) {
            return PolicyIndex.of(List.<BudgetPolicy>of());
        }

        @Override
        public UsageSource usage() {
            return new UsageSource() {
                @Override
                public long used(BudgetPolicy policy, String member, PeriodWindow period) {
                    return 0;
                }

                @Override
                public long held(BudgetPolicy policy, String member, PeriodWindow period) {
                    return 0;
                }

                @Override
                public long[][] rollingBuckets(BudgetPolicy policy, String member, long atMs) {
                    return new long[0][];
                }
            };
        }

        @Override
        public HoldState stored(String holdKey) {
            return null;
        }
    };

    private static HoldDecisions.Request request(String holdId) {
        Instant now = Instant.now();
        return new HoldDecisions.Request("acme", holdId, CallScope.newBuilder().setUserId("u1").build(),
                Estimate.newBuilder().setCostMicros(1_000L).build(), now, now.plusSeconds(60));
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(LedgerCluster cluster, String topic) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        Map<String, Object> props = Map.of("bootstrap.servers", cluster.bootstrapServers(), "enable.auto.commit", false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
