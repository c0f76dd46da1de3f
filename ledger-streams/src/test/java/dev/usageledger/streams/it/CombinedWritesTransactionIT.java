package dev.usageledger.streams.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.LedgerTopology;
import dev.usageledger.streams.ReportingTopology;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.Buckets;
import dev.usageledger.streams.state.MonthTotalsStore;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker half of the guard on the Kafka Streams internals behind {@code StreamsInternals}
 * (the fast half is {@code StreamsInternalsTest}, pinned to the Kafka version): the combining
 * stores' held totals reach the changelog in the transaction that commits the offsets of the
 * events that made them, and in no other.
 */
@ExtendWith(LedgerClusterExtension.class)
class CombinedWritesTransactionIT {
    private static final int TENANTS = 4;
    private static final int BATCH = 150;
    /** Long enough that the second instance never commits: its writes are held when it is killed. */
    private static final Duration HOLDING_COMMIT_INTERVAL = Duration.ofSeconds(60);
    private static final String WHAT_CHANGED = "Kafka Streams no longer calls the combining stores' flushCache in the task's "
            + "prepareCommit, inside the transaction, before it commits the offsets (StreamsInternals, verified against 4.3.1: "
            + "StreamTask.prepareCommit -> ProcessorStateManager.flushCache -> CachedStateStore.flushCache, then "
            + "TaskExecutor.commitOffsetsOrTransaction -> StreamsProducer.commitTransaction)";

    @TempDir
    Path state;

    @Test
    void shouldWriteCombinedTotalsOnlyInTheTransactionThatCommitsTheirEvents(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("txn");
        String app = prefix + "-app";
        String usageTopic = prefix + ".usage";
        String months = changelog(app, Names.TOTALS_MONTH_STORE);
        Map<String, Object> settings = settings(cluster, prefix, app, state.resolve("instance"));
        createTopics(cluster, prefix);
        Usage usage = new Usage(Instant.now().minus(Duration.ofHours(1)));
        List<UsageEvent> first = usage.next(BATCH);
        List<UsageEvent> second = usage.next(BATCH);
        List<UsageEvent> both = new ArrayList<>(first);
        both.addAll(second);

        // Given a first instance that counted the first batch and committed it
        produce(cluster, usageTopic, first);
        KafkaStreams firstInstance = start(cluster, settings);
        try {
            awaitCommitted(cluster, app, usageTopic, BATCH, "the first instance to commit the first batch");
            // Then that commit carried the batch's combined totals, each stamped with the last event that wrote it
            assertCommittedTotals(cluster, months, first, "after the first instance committed the first batch's offsets");
            assertWindowChangelogIsSizedByRetention(cluster, settings);
        } finally {
            firstInstance.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
        }
        long monthRecordsAfterFirst = Changelogs.count(cluster, months, IsolationLevel.READ_UNCOMMITTED);
        Map<String, Count> committedAfterFirst = monthTotals(committedChangelog(cluster, months));

        // When a second instance, committing only every 60 s, counts the second batch and is killed before it commits
        produce(cluster, usageTopic, second);
        Map<String, Object> holding = new HashMap<>(settings);
        holding.put(LedgerStreamsConfig.STREAMS_PREFIX + "commit.interval.ms", HOLDING_COMMIT_INTERVAL.toMillis());
        holding.put(LedgerStreamsConfig.STREAMS_PREFIX + "producer.transaction.timeout.ms", HOLDING_COMMIT_INTERVAL.toMillis() * 2);
        Path log = state.resolve("second-instance.log");
        Process secondInstance = StreamsProcess.start(holding, Redirect.to(log.toFile()));
        try {
            awaitUncommittedWork(cluster, changelog(app, Names.DEDUPE_STORE), 2L * BATCH, secondInstance, log);
            assertThat(committed(cluster, app, usageTopic)).as("precondition: the second instance committed before it was stopped "
                    + "(its commit interval is 60 s), so nothing was held at the stop").isEqualTo(BATCH);
            assertThat(Changelogs.count(cluster, months, IsolationLevel.READ_UNCOMMITTED)).as("totals records in the changelog "
                    + "(read_uncommitted) before the second instance's first commit: the combining stores no longer hold their "
                    + "writes until the commit (Kafka Streams calls flushCache outside prepareCommit, or the stores write through)")
                    .isEqualTo(monthRecordsAfterFirst);
        } finally {
            secondInstance.destroyForcibly().waitFor();
        }

        // Then a read_committed reader of the changelog sees none of the writes held at the stop
        assertThat(monthTotals(committedChangelog(cluster, months))).as("combined writes reached the changelog outside the task's "
                + "transaction: after an unclean stop a read_committed reader sees totals of events whose offsets were never "
                + "committed; " + WHAT_CHANGED).isEqualTo(committedAfterFirst);

        // When a new instance of the application takes over
        try (KafkaStreams thirdInstance = start(cluster, settings)) {
            awaitCommitted(cluster, app, usageTopic, 2 * BATCH, "the new instance to commit the second batch");
            // Then it counted every event exactly once: the held writes were lost with their offsets and applied again, once
            assertThat(liveMonthTotals(thirdInstance, expected(both).keySet())).as("totals after the restart are not one "
                    + "application of each event (fewer: held writes were lost though their offsets were committed; more: held "
                    + "writes were committed without their offsets); " + WHAT_CHANGED).isEqualTo(expected(both));
            // And its commit carried them to the changelog
            assertCommittedTotals(cluster, months, both, "after the new instance committed the second batch's offsets");
        }
    }

    /** The changelog, read_committed, holds the totals of {@code events} and each record the timestamp of the last event that wrote it. */
    private static void assertCommittedTotals(LedgerCluster cluster, String months, List<UsageEvent> events, String when) {
        Map<String, Count> expected = expected(events);
        // The commit markers reach the changelog shortly after the offsets are visible: read again until they match.
        List<Map<String, ConsumerRecord<String, Totals>>> seen = new ArrayList<>(List.of(Map.of()));
        try {
            Await.until(() -> {
                seen.set(0, committedChangelog(cluster, months));
                return monthTotals(seen.get(0)).equals(expected);
            }, Duration.ofSeconds(15), "the committed changelog to hold the committed events' totals");
        } catch (AssertionError notThere) {
            // the assertion below says what is missing
        }
        assertThat(monthTotals(seen.get(0))).as(when + ", the totals changelog (read_committed) lacks the combined writes of "
                + "the committed events: " + WHAT_CHANGED).isEqualTo(expected);
        assertThat(timestamps(seen.get(0))).as(when + ", changelog records do not carry the timestamp of the last event that "
                + "wrote them: InternalProcessorContext.setRecordContext no longer sets the record context the changelogging store "
                + "stamps records with, or the stores no longer get an InternalProcessorContext at init (StreamsInternals."
                + "recordContexts); the changelog's time retention would go by the wrong time").isEqualTo(lastWritten(events));
    }

    /**
     * The reporting part's quarter-hour store (a combining window store) has a changelog compacted
     * and deleted by the store's retention, as for Kafka's own window stores.
     */
    private static void assertWindowChangelogIsSizedByRetention(LedgerCluster cluster, Map<String, Object> settings) throws Exception {
        LedgerStreamsConfig config = new LedgerStreamsConfig(settings);
        Properties props = config.reportingProperties();
        String reportsApp = props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, changelog(reportsApp, Names.REPORT_QUARTER_STORE));
        Config topicConfig;
        try (KafkaStreams reports = new KafkaStreams(ReportingTopology.build(config, RestSchemaRegistryClient.forUrl(cluster.registryUrl())),
                props); Admin admin = admin(cluster)) {
            reports.start();
            Await.until(() -> reports.state() == KafkaStreams.State.RUNNING, Duration.ofSeconds(60), "the reporting part to run");
            topicConfig = admin.describeConfigs(List.of(topic)).all().get().get(topic);
        }
        long retention = config.retention(LedgerStreamsConfig.DAY_RETENTION_MS_CONFIG).toMillis();
        String why = "the report blocks' changelog is not a window store's: Kafka Streams no longer takes the combining builder "
                + "(CombiningStores, through StreamsInternals.windowStoreBuilder) for a WindowStoreBuilder "
                + "(StoreBuilderWrapper.retentionPeriod); the changelog would keep every bucket for good";
        assertThat(topicConfig.get("cleanup.policy").value()).as(why).isEqualTo("compact,delete");
        assertThat(Long.parseLong(topicConfig.get("retention.ms").value())).as(why).isEqualTo(retention + Duration.ofDays(1).toMillis());
    }

    private static Map<String, ConsumerRecord<String, Totals>> committedChangelog(LedgerCluster cluster, String topic) {
        return Changelogs.latest(cluster, topic, IsolationLevel.READ_COMMITTED, new StringDeserializer(), Totals.serde().deserializer());
    }

    /** The tenant-scope month totals among {@code records}. */
    private static Map<String, Count> monthTotals(Map<String, ConsumerRecord<String, Totals>> records) {
        Map<String, Count> totals = new TreeMap<>();
        records.forEach((key, record) -> {
            if (key.contains("\u0000" + SubjectType.tenant.name() + "\u0000")) {
                totals.put(key, Count.of(record.value()));
            }
        });
        return totals;
    }

    private static Map<String, Long> timestamps(Map<String, ConsumerRecord<String, Totals>> records) {
        Map<String, Long> stamps = new TreeMap<>();
        monthTotals(records).keySet().forEach(key -> stamps.put(key, records.get(key).timestamp()));
        return stamps;
    }

    private static Map<String, Count> liveMonthTotals(KafkaStreams streams, Iterable<String> keys) {
        Map<String, Count> totals = new TreeMap<>();
        Await.until(() -> {
            try {
                ReadOnlyKeyValueStore<String, Totals> months = streams.store(StoreQueryParameters.fromNameAndType(
                        Names.TOTALS_MONTH_STORE, QueryableStoreTypes.keyValueStore()));
                totals.clear();
                keys.forEach(key -> totals.put(key, Count.of(months.get(key))));
                return true;
            } catch (RuntimeException notQueryableYet) {
                return false;
            }
        }, Duration.ofSeconds(30), "the month totals store to be queryable");
        return totals;
    }

    /** Events and cost of the tenant-scope month total of each tenant and month. */
    private static Map<String, Count> expected(List<UsageEvent> events) {
        Map<String, Count> expected = new TreeMap<>();
        events.forEach(event -> expected.merge(monthKey(event), new Count(1, event.getCostMicros()), Count::plus));
        return expected;
    }

    /** The occurrence time of the last event that wrote each tenant-scope month total. */
    private static Map<String, Long> lastWritten(List<UsageEvent> events) {
        Map<String, Long> last = new TreeMap<>();
        events.forEach(event -> last.put(monthKey(event), event.getOccurredAt().toEpochMilli()));
        return last;
    }

    private static String monthKey(UsageEvent event) {
        return MonthTotalsStore.key(event.getTenantId(), Buckets.month(event.getOccurredAt().toEpochMilli()));
    }

    /** The part of a total this test checks: how many events, and their cost to the micro-unit. */
    private record Count(long events, long costMicros) {
        static Count of(Totals totals) {
            return totals == null ? new Count(0, 0) : new Count(totals.events(), totals.costMicros());
        }

        Count plus(Count other) {
            return new Count(events + other.events, costMicros + other.costMicros);
        }
    }

    /** Usage events one second apart, spread over a few tenants, each with its own id. */
    private static final class Usage {
        private final Random random = new Random(16);
        private final Instant base;
        private int sent;

        Usage(Instant base) {
            this.base = base;
        }

        List<UsageEvent> next(int count) {
            List<UsageEvent> events = new ArrayList<>(count);
            for (int i = 0; i < count; i++, sent++) {
                String tenant = "t" + random.nextInt(TENANTS);
                events.add(UsageEvent.newBuilder().setEventId("e-" + sent).setTenantId(tenant)
                        .setOccurredAt(base.plusSeconds(sent)).setTeamIds(List.of(tenant + "-team"))
                        .setUserId(tenant + "-u" + random.nextInt(5)).setModel("m" + random.nextInt(3))
                        .setCostMicros(1L + random.nextInt(5_000)).setInputTokens(random.nextInt(2_000)).setStatus(UsageStatus.ok)
                        .build());
            }
            return events;
        }
    }

    private static void produce(LedgerCluster cluster, String topic, List<UsageEvent> events) {
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl());
             KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                     new StringSerializer(), new AvroSerializer<>(registry, true, false))) {
            events.forEach(event -> producer.send(new ProducerRecord<>(topic, event.getTenantId(), event)));
            producer.flush();
        }
    }

    /** Waits until the instance has processed {@code records} events: their dedupe records are in its open transaction. */
    private static void awaitUncommittedWork(LedgerCluster cluster, String dedupeChangelog, long records, Process instance, Path log) {
        Await.until(() -> {
            if (!instance.isAlive()) {
                throw new AssertionError("the second instance stopped by itself; its output:\n" + read(log));
            }
            return Changelogs.count(cluster, dedupeChangelog, IsolationLevel.READ_UNCOMMITTED) >= records;
        }, HOLDING_COMMIT_INTERVAL.minusSeconds(15), "the second instance to process the second batch, well before its first commit");
    }

    private static void awaitCommitted(LedgerCluster cluster, String app, String topic, long records, String what) {
        Await.until(() -> committed(cluster, app, topic) == records, Duration.ofSeconds(60), what);
    }

    /** The input records of {@code topic} the application committed, over all partitions. */
    private static long committed(LedgerCluster cluster, String app, String topic) {
        try (Admin admin = admin(cluster)) {
            return admin.listConsumerGroupOffsets(app).partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .filter(entry -> entry.getKey().topic().equals(topic) && entry.getValue() != null)
                    .mapToLong(entry -> entry.getValue().offset()).sum();
        } catch (Exception notYet) {
            return 0;
        }
    }

    private static String changelog(String app, String store) {
        return app + "-" + store + "-changelog";
    }

    private static KafkaStreams start(LedgerCluster cluster, Map<String, Object> settings) {
        LedgerStreamsConfig config = new LedgerStreamsConfig(settings);
        KafkaStreams streams = new KafkaStreams(LedgerTopology.build(config, RestSchemaRegistryClient.forUrl(cluster.registryUrl())),
                config.streamsProperties());
        streams.start();
        return streams;
    }

    private static Map<String, Object> settings(LedgerCluster cluster, String prefix, String app, Path stateDir) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(LedgerStreamsConfig.APPLICATION_ID_CONFIG, app);
        settings.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        settings.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, cluster.registryUrl());
        // One state directory for every instance: the same process id, so the same transactional id,
        // so a new instance fences the killed one's open transaction instead of waiting for it to time out.
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
        // The killed member's session must expire before its partitions move: keep that short here.
        settings.put(LedgerStreamsConfig.STREAMS_PREFIX + "session.timeout.ms", "6000");
        settings.put(LedgerStreamsConfig.STREAMS_PREFIX + "heartbeat.interval.ms", "1000");
        return settings;
    }

    private static void createTopics(LedgerCluster cluster, String prefix) {
        try (Admin admin = admin(cluster)) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(prefix + ".usage", 2, Map.of()),
                    new TopicSpec(prefix + ".prices", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".rejected", 2, Map.of()),
                    new TopicSpec(prefix + ".policies", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".breaches", 2, Map.of()),
                    new TopicSpec(prefix + ".holds", 2, Map.of()),
                    new TopicSpec(prefix + ".hold-requests", 2, Map.of()),
                    new TopicSpec(prefix + ".hold-journal", 2, Map.of()),
                    new TopicSpec(prefix + ".rated", 2, Map.of()),
                    new TopicSpec(prefix + ".seeds", 2, Map.of()),
                    new TopicSpec(prefix + ".directory", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".global-usage", 1, Map.of()),
                    new TopicSpec(prefix + ".global-counters", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".decisions", 2, Map.of())));
        }
    }

    private static Admin admin(LedgerCluster cluster) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
