package dev.usageledger.query.it;

import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.LedgerStreamsConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;

/** A ledger service on the shared test cluster, isolated by its own topic prefix, application id and state directory. */
final class ServiceFixture {
    static final String ADMIN_TOKEN = "admin-token-for-tests-0001";
    static final String ACME_TOKEN = "acme-token-for-tests-0001";
    static final String GLOBEX_TOKEN = "globex-token-for-tests-0001";

    private ServiceFixture() {
    }

    static void createTopics(LedgerCluster cluster, String prefix, int partitions) {
        createTopics(cluster.bootstrapServers(), prefix, partitions);
    }

    static void createTopics(String bootstrapServers, String prefix, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(prefix + ".usage", partitions, Map.of()),
                    new TopicSpec(prefix + ".prices", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".rejected", partitions, Map.of()),
                    new TopicSpec(prefix + ".policies", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".holds", partitions, Map.of()),
                    new TopicSpec(prefix + ".hold-requests", partitions, Map.of()),
                    new TopicSpec(prefix + ".hold-journal", partitions, Map.of()),
                    new TopicSpec(prefix + ".rated", partitions, Map.of()),
                    new TopicSpec(prefix + ".seeds", partitions, Map.of()),
                    new TopicSpec(prefix + ".directory", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".global-usage", 1, Map.of()),
                    new TopicSpec(prefix + ".global-counters", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".breaches", partitions, Map.of()),
                    new TopicSpec(prefix + ".decisions", partitions, Map.of())));
        }
    }

    static Map<String, Object> config(LedgerCluster cluster, String prefix, String applicationId, Path stateDir) {
        return config(cluster.bootstrapServers(), cluster.registryUrl(), prefix, applicationId, stateDir);
    }

    static Map<String, Object> config(String bootstrapServers, String registryUrl, String prefix, String applicationId, Path stateDir) {
        Map<String, Object> config = new HashMap<>();
        config.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, registryUrl);
        config.put(LedgerStreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        config.put(LedgerStreamsConfig.USAGE_TOPIC_CONFIG, prefix + ".usage");
        config.put(LedgerStreamsConfig.PRICES_TOPIC_CONFIG, prefix + ".prices");
        config.put(LedgerStreamsConfig.POLICIES_TOPIC_CONFIG, prefix + ".policies");
        config.put(LedgerStreamsConfig.REJECTED_TOPIC_CONFIG, prefix + ".rejected");
        config.put(LedgerStreamsConfig.HOLDS_TOPIC_CONFIG, prefix + ".holds");
        config.put(LedgerStreamsConfig.HOLD_REQUESTS_TOPIC_CONFIG, prefix + ".hold-requests");
        config.put(LedgerStreamsConfig.HOLD_JOURNAL_TOPIC_CONFIG, prefix + ".hold-journal");
        config.put(LedgerStreamsConfig.RATED_TOPIC_CONFIG, prefix + ".rated");
        config.put(LedgerStreamsConfig.SEEDS_TOPIC_CONFIG, prefix + ".seeds");
        config.put(LedgerStreamsConfig.DIRECTORY_TOPIC_CONFIG, prefix + ".directory");
        config.put(LedgerStreamsConfig.GLOBAL_USAGE_TOPIC_CONFIG, prefix + ".global-usage");
        config.put(LedgerStreamsConfig.GLOBAL_COUNTERS_TOPIC_CONFIG, prefix + ".global-counters");
        config.put(LedgerStreamsConfig.BREACHES_TOPIC_CONFIG, prefix + ".breaches");
        config.put(LedgerStreamsConfig.DECISIONS_TOPIC_CONFIG, prefix + ".decisions");
        config.put(LedgerStreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        config.put(ServiceConfig.WEBHOOKS_TOPIC_CONFIG, prefix + ".webhooks");
        config.put(ServiceConfig.WEBHOOK_DELIVERIES_TOPIC_CONFIG, prefix + ".webhook-deliveries");
        config.put(ServiceConfig.HTTP_PORT_CONFIG, 0);
        config.put(ServiceConfig.READ_WAIT_MS_CONFIG, 3_000L);
        config.put(ServiceConfig.AUTH_TOKENS_CONFIG, "admin=" + ADMIN_TOKEN + ",tenant:acme=" + ACME_TOKEN
                + ",tenant:globex=" + GLOBEX_TOKEN);
        config.put("streams.commit.interval.ms", 100);
        config.put("streams.consumer.session.timeout.ms", 10_000);
        return config;
    }

    static LedgerService startAndAwaitRunning(Map<String, Object> config, Clock clock) {
        LedgerService service = LedgerService.start(new ServiceConfig(config), clock);
        Await.until(() -> service.streams().state() == KafkaStreams.State.RUNNING, Duration.ofSeconds(60),
                "the ledger service's topology to be running");
        return service;
    }

    /** Publishes the events (keyed by tenant) and answers the metadata of the last one. */
    static RecordMetadata publish(LedgerCluster cluster, String topic, List<UsageEvent> events) throws Exception {
        return publish(cluster, topic, events, null);
    }

    /** Publishes the events with {@code recordTime} as every record's timestamp (null: the producer's clock). */
    static RecordMetadata publish(LedgerCluster cluster, String topic, List<UsageEvent> events, Instant recordTime) throws Exception {
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl());
             KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                     new StringSerializer(), new AvroSerializer<>(registry, true, false))) {
            RecordMetadata last = null;
            for (UsageEvent event : events) {
                last = producer.send(new ProducerRecord<>(topic, null, recordTime == null ? null : recordTime.toEpochMilli(),
                        event.getTenantId(), event)).get();
            }
            return last;
        }
    }
}
