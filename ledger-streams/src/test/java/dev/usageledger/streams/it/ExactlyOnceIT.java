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
import dev.usageledger.streams.ReportingTopology;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.model.ReportBlock;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.state.MonthTotalsStore;
import dev.usageledger.streams.state.ReportStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
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

    @Test
    void shouldKeepReportsExactAcrossACrashOfTheReportingPart(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("eos-reports");
        Map<String, Object> settings = settings(cluster, prefix, prefix + "-app", state.resolve("reports"));
        settings.put(LedgerStreamsConfig.REPORTS_COMMIT_INTERVAL_MS_CONFIG, 200L);
        createTopics(cluster, prefix);
        int half = EVENTS / 2;
        try (KafkaStreams enforcement = start(cluster, settings)) {
            // Given a reporting instance that added the first half of the events to its blocks and committed them
            Map<String, Long> firstHalf = produce(cluster, prefix + ".usage", 0, half);
            awaitTotals(enforcement, firstHalf, half);
            try (KafkaStreams first = startReports(cluster, settings)) {
                assertThat(awaitReported(first, firstHalf.keySet(), half)).isEqualTo(firstHalf);
            } // a clean close commits what it processed
            long committedFirstHalf = committed(cluster, prefix + "-app-reports");
            assertThat(committedFirstHalf).as("the first reporting instance committed its work").isPositive();

            // When a second one, committing only every 60 s, adds the second half and is killed before it commits
            Map<String, Long> expected = produce(cluster, prefix + ".usage", 0, EVENTS);
            awaitTotals(enforcement, expected, EVENTS);
            Map<String, Object> holding = new HashMap<>(settings);
            holding.put(LedgerStreamsConfig.REPORTS_COMMIT_INTERVAL_MS_CONFIG, 60_000L);
            holding.put(LedgerStreamsConfig.STREAMS_PREFIX + "producer.transaction.timeout.ms", 120_000L);
            holding.put(StreamsProcess.PART, "reports");
            Path log = state.resolve("reports-second.log");
            Process second = StreamsProcess.start(holding, ProcessBuilder.Redirect.to(log.toFile()));
            try {
                Await.until(() -> applied(log) >= EVENTS - half,
                        Duration.ofSeconds(120), "the second reporting instance to add the second half to its blocks");
            } finally {
                second.destroyForcibly().waitFor();
            }
            assertThat(committed(cluster, prefix + "-app-reports")).as("precondition: the killed instance committed nothing")
                    .isEqualTo(committedFirstHalf).isLessThan(endOffsets(cluster, prefix + ".rated"));

            // Then a third instance counts every event in the reports exactly once: the killed one's work was lost and redone
            try (KafkaStreams third = startReports(cluster, settings)) {
                assertThat(awaitReported(third, expected.keySet(), EVENTS)).isEqualTo(expected);
            }
        }
    }

    /** How many counted events the reporting process said it added to its blocks. */
    private static long applied(Path log) {
        try {
            return Files.readAllLines(log).stream().filter(line -> line.startsWith("APPLIED ")).count();
        } catch (java.io.IOException notYetWritten) {
            return 0;
        }
    }

    private static KafkaStreams startReports(LedgerCluster cluster, Map<String, Object> settings) {
        return start(cluster, settings, true);
    }

    /** Each tenant's cost as the reporting part reads it, once its tenants' events add up to {@code events} (and no more). */
    private static Map<String, Long> awaitReported(KafkaStreams streams, Iterable<String> tenants, int events) {
        Map<String, Long> reported = new TreeMap<>();
        long[] counted = {0};
        Instant day = Instant.now().truncatedTo(ChronoUnit.DAYS);
        PeriodWindow around = new PeriodWindow(day.minus(Duration.ofDays(2)), day.plus(Duration.ofDays(2)));
        Await.until(() -> {
            try {
                ReportStore reports = new ReportStore(window(streams, Names.REPORT_QUARTER_STORE), window(streams, Names.REPORT_HOUR_STORE),
                        window(streams, Names.REPORT_DAY_STORE));
                reported.clear();
                counted[0] = 0;
                for (String tenant : tenants) {
                    Totals totals = reports.totals(tenant, SubjectType.tenant, tenant, around);
                    reported.put(tenant, totals.costMicros());
                    counted[0] += totals.events();
                }
                return counted[0] >= events;
            } catch (RuntimeException notReadyYet) {
                return false;
            }
        }, Duration.ofSeconds(120), "the reporting part to add " + events + " events");
        assertThat(counted[0]).as("events in the reports").isEqualTo(events);
        return reported;
    }

    private static ReadOnlyWindowStore<String, ReportBlock> window(KafkaStreams streams, String store) {
        return streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.windowStore()));
    }

    private static <T> void keep(List<T> records, T record, Predicate<T> keep) {
        if (keep.test(record)) {
            records.add(record);
        }
    }

    private Map<String, Long> produce(LedgerCluster cluster, String topic) {
        return produce(cluster, topic, 0, EVENTS);
    }

    /** Publishes events {@code from} to {@code to} of the test's sequence (every 10th twice); the expected cost of those per tenant. */
    private Map<String, Long> produce(LedgerCluster cluster, String topic, int from, int to) {
        Random random = new Random(7);
        Map<String, Long> expected = new TreeMap<>();
        Instant base = Instant.now().minus(Duration.ofHours(1));
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl());
             KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(inputProducer(cluster),
                     new StringSerializer(), new AvroSerializer<>(registry, true, false))) {
            for (int i = 0; i < to; i++) {
                String tenant = "t" + random.nextInt(TENANTS);
                long cost = 1 + random.nextInt(5_000);
                UsageEvent event = UsageEvent.newBuilder().setEventId("e-" + i).setTenantId(tenant)
                        .setOccurredAt(base.plusMillis(i * 100L)).setTeamIds(List.of(tenant + "-team"))
                        .setUserId(tenant + "-u" + random.nextInt(20)).setModel("m" + random.nextInt(3))
                        .setCostMicros(cost).setInputTokens(random.nextInt(2_000)).setStatus(UsageStatus.ok).build();
                if (i < from) {
                    continue;
                }
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
                            .setFilters(new PolicyFilters(List.of(), List.of(), List.of(), List.of(), List.of()))
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
        return awaitTotals(streams, expectedCost, EVENTS);
    }

    private static Map<String, Totals> awaitTotals(KafkaStreams streams, Map<String, Long> expectedCost, int events) {
        Map<String, Totals> totals = new HashMap<>();
        Await.until(() -> {
            try {
                totals.clear();
                ReadOnlyKeyValueStore<String, Totals> months = months(streams);
                for (String tenant : expectedCost.keySet()) {
                    Totals t = months.get(MonthTotalsStore.key(tenant, Instant.now().minus(Duration.ofHours(1)).toString().substring(0, 7)));
                    totals.put(tenant, t == null ? Totals.ZERO : t);
                }
                return totals.values().stream().mapToLong(Totals::events).sum() >= events;
            } catch (RuntimeException notReadyYet) {
                return false;
            }
        }, Duration.ofSeconds(120), "all " + events + " events to be counted");
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
        return committed(cluster, settings.get(LedgerStreamsConfig.APPLICATION_ID_CONFIG).toString());
    }

    /** The sum of the group's committed offsets over its partitions. */
    private static long committed(LedgerCluster cluster, String group) {
        try (Admin admin = admin(cluster)) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values().stream()
                    .mapToLong(o -> o == null ? 0 : o.offset()).sum();
        } catch (Exception notYet) {
            return 0;
        }
    }

    private static KafkaStreams start(LedgerCluster cluster, Map<String, Object> settings) {
        return start(cluster, settings, false);
    }

    /** Enforcement, or with {@code reports} the reporting part, started in this JVM. */
    private static KafkaStreams start(LedgerCluster cluster, Map<String, Object> settings, boolean reports) {
        LedgerStreamsConfig config = new LedgerStreamsConfig(settings);
        RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl());
        KafkaStreams streams = reports ? new KafkaStreams(ReportingTopology.build(config, registry), config.reportingProperties())
                : new KafkaStreams(LedgerTopology.build(config, registry), config.streamsProperties());
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
        settings.put(LedgerStreamsConfig.DIRECTORY_TOPIC_CONFIG, prefix + ".directory");
        settings.put(LedgerStreamsConfig.GLOBAL_USAGE_TOPIC_CONFIG, prefix + ".global-usage");
        settings.put(LedgerStreamsConfig.GLOBAL_COUNTERS_TOPIC_CONFIG, prefix + ".global-counters");
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
                    new TopicSpec(prefix + ".directory", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".global-usage", 1, Map.of()),
                    new TopicSpec(prefix + ".global-counters", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".decisions", 4, Map.of())));
        }
    }

    /** The sum of the topic's end offsets (transaction markers included, as committed offsets count them). */
    private static long endOffsets(LedgerCluster cluster, String topic) throws Exception {
        try (Admin admin = admin(cluster)) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get().values().stream().mapToLong(ListOffsetsResultInfo::offset).sum();
        }
    }

    private static Admin admin(LedgerCluster cluster) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
    }
}
