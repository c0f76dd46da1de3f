package dev.usageledger.streams.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.PolicyFilters;
import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.LedgerTopology;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.state.MonthTotalsStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Exactly-once across an unclean crash, and replay determinism, on a real broker. */
@ExtendWith(LedgerClusterExtension.class)
class ExactlyOnceIT {
    private static final int TENANTS = 12;
    private static final int EVENTS = 6_000;

    @TempDir
    Path state;

    @Test
    void shouldKeepTotalsExactAcrossACrashAndReproduceThemOnReplay(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("eos");
        Map<String, Object> settings = settings(cluster, prefix, prefix + "-app", state.resolve("first"));
        createTopics(cluster, prefix);
        // Given events with duplicates (every 10th is sent twice), whose exact totals we know,
        // and a policy per tenant that the tenant's spend takes past all four thresholds
        Map<String, Long> expectedCost = produce(cluster, prefix + ".usage");
        producePolicies(cluster, prefix + ".policies", expectedCost);

        // When a streams instance is killed uncleanly mid-stream, and a new one takes over
        Process first = startProcess(settings);
        try {
            awaitCommittedWork(cluster, settings);
        } finally {
            first.destroyForcibly().waitFor();
        }
        long committedAtCrash = committed(cluster, settings);
        assertThat(committedAtCrash).as("the crash came before the input was fully committed")
                .isLessThan(EVENTS + EVENTS / 10);
        Map<String, Totals> afterCrash;
        TreeMap<String, Totals> everyScopeAfterCrash;
        TreeMap<String, Long> countersAfterCrash;
        try (KafkaStreams second = start(cluster, settings)) {
            afterCrash = awaitTotals(second, expectedCost);
            everyScopeAfterCrash = allMonthTotals(second);
            countersAfterCrash = allCounters(second);
        }
        // the policy counters, restored and added to after the crash, hold each tenant's spend exactly
        assertThat(countersAfterCrash).hasSize(TENANTS);
        countersAfterCrash.forEach((key, used) -> assertThat(used).as(key).isEqualTo(expectedCost.get(key.substring(0, key.indexOf('\u0000')))));

        // Then every tenant's total is exact to the micro-unit
        expectedCost.forEach((tenant, cost) -> assertThat(afterCrash.get(tenant).costMicros()).as(tenant).isEqualTo(cost));
        assertThat(afterCrash.values().stream().mapToLong(Totals::events).sum()).isEqualTo(EVENTS);

        // And each policy breached each threshold exactly once, crash or not
        List<String> breaches = readBreaches(cluster, prefix + ".breaches");
        assertThat(breaches).hasSize(TENANTS * 4).doesNotHaveDuplicates();

        // And the rated topic carries each counted event exactly once, at the cost it was counted at
        List<RatedUsageEvent> rated = readCommitted(cluster, prefix + ".rated", RatedUsageEvent.class, EVENTS,
                record -> record.getUsage() != null); // without the position marks
        assertThat(rated).extracting(r -> r.getUsage().getEventId()).hasSize(EVENTS).doesNotHaveDuplicates();
        Map<String, Long> ratedCost = new TreeMap<>();
        rated.forEach(r -> ratedCost.merge(r.getUsage().getTenantId(), r.getCostMicros(), Long::sum));
        assertThat(ratedCost).isEqualTo(expectedCost);

        // And a second application reading from offset zero reaches identical totals everywhere
        Map<String, Object> replay = settings(cluster, prefix, prefix + "-replay", state.resolve("replay"));
        try (KafkaStreams replayed = start(cluster, replay)) {
            awaitTotals(replayed, expectedCost);
            assertThat(allMonthTotals(replayed)).isEqualTo(everyScopeAfterCrash).hasSize(TENANTS);
            assertThat(allCounters(replayed)).isEqualTo(countersAfterCrash);
        }
    }

    private static <T> void keep(List<T> records, T record, Predicate<T> keep) {
        if (keep.test(record)) {
            records.add(record);
        }
    }

    private Map<String, Long> produce(LedgerCluster cluster, String topic) {
        Random random = new Random(7);
        Map<String, Long> expected = new TreeMap<>();
        Instant base = Instant.now().minus(Duration.ofHours(1));
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl());
             KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(inputProducer(cluster),
                     new StringSerializer(), new AvroSerializer<>(registry, true, false))) {
            for (int i = 0; i < EVENTS; i++) {
                String tenant = "t" + random.nextInt(TENANTS);
                long cost = 1 + random.nextInt(5_000);
                UsageEvent event = UsageEvent.newBuilder().setEventId("e-" + i).setTenantId(tenant)
                        .setOccurredAt(base.plusMillis(i * 100L)).setTeamIds(List.of(tenant + "-team"))
                        .setUserId(tenant + "-u" + random.nextInt(20)).setModel("m" + random.nextInt(3))
                        .setCostMicros(cost).setInputTokens(random.nextInt(2_000)).setStatus(UsageStatus.ok).build();
                producer.send(new ProducerRecord<>(topic, tenant, event));
                if (i % 10 == 0) {
                    producer.send(new ProducerRecord<>(topic, tenant, event));
                }
                expected.merge(tenant, cost, Long::sum);
            }
            producer.flush();
        }
        return expected;
    }

    /**
     * The test's own input producer: acknowledged by all replicas, one request in flight, not
     * idempotent. On a topic just created, the in-JVM broker can answer a first produce with
     * NOT_LEADER_OR_FOLLOWER and then reject an idempotent producer's retries as out of sequence
     * until its delivery times out; a plain retry may duplicate an event instead, which the ledger
     * counts once (its event_id), so the expected totals stay exact.
     */
    private static Map<String, Object> inputProducer(LedgerCluster cluster) {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    }

    private static void producePolicies(LedgerCluster cluster, String topic, Map<String, Long> expectedCost) {
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl());
             KafkaProducer<String, BudgetPolicy> producer = new KafkaProducer<>(inputProducer(cluster),
                     new StringSerializer(), new AvroSerializer<>(registry, true, false))) {
            // An interval of ten years from 2020: every event of the test falls in one period.
            Period decade = Period.newBuilder().setKind(PeriodKind.interval).setEveryMs(Duration.ofDays(3650).toMillis())
                    .setAnchor(Instant.parse("2020-01-01T00:00:00Z")).build();
            expectedCost.forEach((tenant, cost) -> producer.send(new ProducerRecord<>(topic, tenant + "-budget",
                    BudgetPolicy.newBuilder().setPolicyId(tenant + "-budget").setTenantId(tenant)
                            .setSubject(new Subject(SubjectType.tenant, tenant))
                            .setFilters(new PolicyFilters(List.of(), List.of(), List.of(), List.of()))
                            .setMetric(Metric.cost_micros).setLimit(cost / 2).setPeriod(decade).build())));
            producer.flush();
        }
    }

    private static List<String> readBreaches(LedgerCluster cluster, String topic) {
        return readCommitted(cluster, topic, BudgetBreach.class, TENANTS * 4, breach -> true).stream()
                .map(breach -> breach.getPolicyId() + "/" + breach.getPeriodStart() + "/" + breach.getThreshold()).toList();
    }

    /**
     * The records of {@code topic} that {@code keep} keeps, read committed from the start: until
     * {@code expected} were kept (or 20 s), then a second more.
     */
    private static <T extends SpecificRecord> List<T> readCommitted(LedgerCluster cluster, String topic, Class<T> type, int expected,
                                                                    Predicate<T> keep) {
        List<T> records = new ArrayList<>();
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl());
             KafkaConsumer<String, T> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                     ConsumerConfig.GROUP_ID_CONFIG, topic + "-reader"),
                     new StringDeserializer(), new AvroDeserializer<>(type, registry))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> keep(records, r.value(), keep));
            }
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> keep(records, r.value(), keep));
        }
        return records;
    }

    private static Map<String, Totals> awaitTotals(KafkaStreams streams, Map<String, Long> expectedCost) {
        Map<String, Totals> totals = new HashMap<>();
        Await.until(() -> {
            try {
                totals.clear();
                ReadOnlyKeyValueStore<String, Totals> months = months(streams);
                for (String tenant : expectedCost.keySet()) {
                    Totals t = months.get(MonthTotalsStore.key(tenant, Instant.now().minus(Duration.ofHours(1)).toString().substring(0, 7)));
                    totals.put(tenant, t == null ? Totals.ZERO : t);
                }
                return totals.values().stream().mapToLong(Totals::events).sum() >= EVENTS;
            } catch (RuntimeException notReadyYet) {
                return false;
            }
        }, Duration.ofSeconds(120), "all " + EVENTS + " events to be counted");
        return Map.copyOf(totals);
    }

    private static TreeMap<String, Totals> allMonthTotals(KafkaStreams streams) {
        TreeMap<String, Totals> all = new TreeMap<>();
        try (KeyValueIterator<String, Totals> it = months(streams).all()) {
            it.forEachRemaining(kv -> all.put(kv.key, kv.value));
        }
        return all;
    }

    /** Every policy counter's used amount, by counter key. */
    private static TreeMap<String, Long> allCounters(KafkaStreams streams) {
        TreeMap<String, Long> all = new TreeMap<>();
        ReadOnlyKeyValueStore<String, PolicyCounter> counters = streams.store(StoreQueryParameters.fromNameAndType(Names.POLICY_COUNTER_STORE,
                QueryableStoreTypes.keyValueStore()));
        try (KeyValueIterator<String, PolicyCounter> it = counters.all()) {
            it.forEachRemaining(kv -> all.put(kv.key, kv.value.used()));
        }
        return all;
    }

    private static ReadOnlyKeyValueStore<String, Totals> months(KafkaStreams streams) {
        return streams.store(StoreQueryParameters.fromNameAndType(Names.TOTALS_MONTH_STORE, QueryableStoreTypes.keyValueStore()));
    }

    /** Waits until the killed instance committed part of the input, so the crash lands mid-stream. */
    private static void awaitCommittedWork(LedgerCluster cluster, Map<String, Object> settings) {
        Await.until(() -> committed(cluster, settings) > EVENTS / 10, Duration.ofSeconds(120),
                "the first instance to commit some work");
    }

    private static long committed(LedgerCluster cluster, Map<String, Object> settings) {
        String group = settings.get(LedgerStreamsConfig.APPLICATION_ID_CONFIG).toString();
        try (Admin admin = admin(cluster)) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values().stream()
                    .mapToLong(o -> o == null ? 0 : o.offset()).sum();
        } catch (Exception notYet) {
            return 0;
        }
    }

    private static KafkaStreams start(LedgerCluster cluster, Map<String, Object> settings) {
        LedgerStreamsConfig config = new LedgerStreamsConfig(settings);
        KafkaStreams streams = new KafkaStreams(LedgerTopology.build(config, RestSchemaRegistryClient.forUrl(cluster.registryUrl())),
                config.streamsProperties());
        streams.start();
        return streams;
    }

    private static Process startProcess(Map<String, Object> settings) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx512m", StreamsProcess.class.getName()));
        settings.forEach((k, v) -> command.add(k + "=" + v));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static Map<String, Object> settings(LedgerCluster cluster, String prefix, String appId, Path stateDir) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(LedgerStreamsConfig.APPLICATION_ID_CONFIG, appId);
        settings.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        settings.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, cluster.registryUrl());
        settings.put(LedgerStreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(LedgerStreamsConfig.USAGE_TOPIC_CONFIG, prefix + ".usage");
        settings.put(LedgerStreamsConfig.PRICES_TOPIC_CONFIG, prefix + ".prices");
        settings.put(LedgerStreamsConfig.REJECTED_TOPIC_CONFIG, prefix + ".rejected");
        settings.put(LedgerStreamsConfig.POLICIES_TOPIC_CONFIG, prefix + ".policies");
        settings.put(LedgerStreamsConfig.BREACHES_TOPIC_CONFIG, prefix + ".breaches");
        settings.put(LedgerStreamsConfig.HOLDS_TOPIC_CONFIG, prefix + ".holds");
        settings.put(LedgerStreamsConfig.HOLD_REQUESTS_TOPIC_CONFIG, prefix + ".hold-requests");
        settings.put(LedgerStreamsConfig.HOLD_JOURNAL_TOPIC_CONFIG, prefix + ".hold-journal");
        settings.put(LedgerStreamsConfig.RATED_TOPIC_CONFIG, prefix + ".rated");
        settings.put(LedgerStreamsConfig.SEEDS_TOPIC_CONFIG, prefix + ".seeds");
        settings.put(LedgerStreamsConfig.DECISIONS_TOPIC_CONFIG, prefix + ".decisions");
        settings.put(LedgerStreamsConfig.STREAMS_PREFIX + "commit.interval.ms", "200");
        settings.put(LedgerStreamsConfig.STREAMS_PREFIX + "max.poll.records", "200");
        // The killed member's session must expire before its partitions move: keep that short here.
        settings.put(LedgerStreamsConfig.STREAMS_PREFIX + "session.timeout.ms", "6000");
        settings.put(LedgerStreamsConfig.STREAMS_PREFIX + "heartbeat.interval.ms", "1000");
        return settings;
    }

    private static void createTopics(LedgerCluster cluster, String prefix) {
        try (Admin admin = admin(cluster)) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(prefix + ".usage", 4, Map.of()),
                    new TopicSpec(prefix + ".prices", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".rejected", 4, Map.of()),
                    new TopicSpec(prefix + ".policies", 2, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".breaches", 4, Map.of()),
                    new TopicSpec(prefix + ".holds", 4, Map.of()),
                    new TopicSpec(prefix + ".hold-requests", 4, Map.of()),
                    new TopicSpec(prefix + ".hold-journal", 4, Map.of()),
                    new TopicSpec(prefix + ".rated", 4, Map.of()),
                    new TopicSpec(prefix + ".seeds", 4, Map.of()),
                    new TopicSpec(prefix + ".decisions", 4, Map.of())));
        }
    }

    private static Admin admin(LedgerCluster cluster) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
    }
}
