package dev.usageledger.infra.embedded.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LedgerClusterExtension.class)
class TopicAdminIT {

    @Test
    void shouldCreateEveryTopicOnceWithItsCleanupAndRetention(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("t");
        List<TopicSpec> specs = LedgerTopics.all(4).stream()
                .map(s -> new TopicSpec(prefix + "." + s.name(), s.partitions(), s.config())).toList();
        try (Admin admin = admin(cluster)) {
            List<String> created = TopicAdmin.ensure(admin, specs);
            List<String> again = TopicAdmin.ensure(admin, specs);

            assertThat(created).hasSize(specs.size()).contains(prefix + "." + LedgerTopics.HOLD_REQUESTS);
            assertThat(again).isEmpty();
            String usage = prefix + "." + LedgerTopics.USAGE;
            String policies = prefix + "." + LedgerTopics.POLICIES;
            assertThat(admin.describeTopics(Set.of(usage)).allTopicNames().get().get(usage).partitions()).hasSize(4);
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(
                    new ConfigResource(ConfigResource.Type.TOPIC, usage),
                    new ConfigResource(ConfigResource.Type.TOPIC, policies))).all().get();
            Config usageConfig = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, usage));
            assertThat(usageConfig.get("cleanup.policy").value()).isEqualTo("delete");
            assertThat(usageConfig.get("retention.ms").value()).isEqualTo("-1");
            assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, policies)).get("cleanup.policy").value())
                    .isEqualTo("compact");
        }
    }

    @Test
    void shouldRefuseAnExistingTopicWithFewerPartitions(LedgerCluster cluster) {
        String name = LedgerCluster.uniqueName("narrow");
        try (Admin admin = admin(cluster)) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(name, 1, Map.of())));

            assertThatThrownBy(() -> TopicAdmin.ensure(admin, List.of(new TopicSpec(name, 6, Map.of()))))
                    .hasMessageContaining(name).hasMessageContaining("has 1 partitions").hasMessageContaining("6");
        }
    }

    @Test
    void shouldNotCreateTopicsOnFirstUseBecauseAutoCreateIsOff(LedgerCluster cluster) {
        String name = LedgerCluster.uniqueName("never-created");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 1500), new StringSerializer(), new StringSerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(name, "k", "v")).get())
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class)
                    .hasMessageContaining("not present in metadata");
        }
        try (Admin admin = admin(cluster)) {
            assertThatThrownBy(() -> admin.describeTopics(Set.of(name)).allTopicNames().get())
                    .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        }
    }

    private static Admin admin(LedgerCluster cluster) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
    }
}
