package dev.usageledger.cli.bench;

import dev.usageledger.infra.embedded.EmbeddedKafkaCluster;
import dev.usageledger.infra.embedded.registry.EmbeddedSchemaRegistry;
import dev.usageledger.infra.embedded.topics.LedgerTopics;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerde;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.LedgerTopology;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.state.KeyValueStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Ingest throughput of the full ledger topology against a plain Kafka Streams DSL job summing
 * cost per tenant, both exactly-once v2, on the same pre-loaded input on the same broker, with 1
 * and 2 stream threads. A run ends when the application's committed offsets reach the end of
 * the input; the time includes start-up, as a deploy would.
 */
@Command(name = "topology", mixinStandardHelpOptions = true,
        description = "Ingest throughput: the full ledger topology vs a plain DSL sum per tenant, same input, same broker.")
public final class TopologyBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--events", defaultValue = "400000", description = "Pre-loaded events (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--tenants", defaultValue = "1000", description = "Tenants (default: ${DEFAULT-VALUE}).")
    int tenants;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the usage topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the generated workload (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--commit-interval-ms", defaultValue = "100",
            description = "Kafka Streams commit interval for both jobs (default: ${DEFAULT-VALUE}, the exactly-once default).")
    long commitIntervalMs;

    @Option(names = "--cache-mb", defaultValue = "10",
            description = "Kafka Streams record cache for both jobs, in MiB (default: ${DEFAULT-VALUE}, Kafka's default).")
    long cacheMb;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("topology bench: %,d events, %,d tenants, %d partitions, seed %d, commit interval %d ms, cache %d MiB%n",
                events, tenants, partitions, seed, commitIntervalMs, cacheMb);
        out.flush();
        Path state = Files.createTempDirectory("ledger-bench-state");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(kafka.bootstrapServers());
             RestSchemaRegistryClient client = RestSchemaRegistryClient.forUrl(registry.url())) {
            String topic = LedgerTopics.USAGE;
            createTopics(kafka.bootstrapServers());
            preload(kafka.bootstrapServers(), client, topic);
            out.printf("  pre-loaded %,d events%n", events);
            out.printf("%n| job | stream threads | events/s | seconds |%n|---|---|---|---|%n");
            double[] plain = new double[3];
            double[] ledger = new double[3];
            for (int threads = 1; threads <= 2; threads++) {
                plain[threads] = run(kafka, plainSum(topic, client), plainProps(kafka, "plain-" + threads, threads, state), threads,
                        topic, out, "plain DSL sum per tenant");
                LedgerStreamsConfig config = new LedgerStreamsConfig(ledgerSettings(kafka, registry, topic, "ledger-" + threads,
                        threads, state));
                Properties props = config.streamsProperties();
                props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
                ledger[threads] = run(kafka, LedgerTopology.build(config, client), props, threads, topic, out, "full ledger topology");
            }
            out.printf("%nledger/plain ratio: 1 thread %.2f, 2 threads %.2f%n", ledger[1] / plain[1], ledger[2] / plain[2]);
            out.flush();
        }
        return 0;
    }

    private double run(EmbeddedKafkaCluster kafka, Topology topology, Properties props, int threads, String topic,
                       PrintWriter out, String label) throws Exception {
        String appId = props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        tune(props);
        long started = System.nanoTime();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
             KafkaStreams streams = new KafkaStreams(topology, props)) {
            streams.start();
            awaitConsumed(admin, appId, topic);
            double seconds = (System.nanoTime() - started) / 1e9;
            double rate = events / seconds;
            out.printf("| %s | %d | %,.0f | %.1f |%n", label, threads, rate, seconds);
            out.flush();
            return rate;
        }
    }

    private static Properties plainProps(EmbeddedKafkaCluster kafka, String appId, int threads, Path state) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.resolve(appId).toString());
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        return props;
    }

    private void tune(Properties props) {
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cacheMb << 20);
    }

    private static Map<String, Object> ledgerSettings(EmbeddedKafkaCluster kafka, EmbeddedSchemaRegistry registry, String topic,
                                                      String appId, int threads, Path state) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        settings.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, registry.url());
        settings.put(LedgerStreamsConfig.APPLICATION_ID_CONFIG, appId);
        settings.put(LedgerStreamsConfig.STREAM_THREADS_CONFIG, threads);
        settings.put(LedgerStreamsConfig.STATE_DIR_CONFIG, state.resolve(appId).toString());
        settings.put(LedgerStreamsConfig.USAGE_TOPIC_CONFIG, topic);
        return settings;
    }

    private static Topology plainSum(String topic, RestSchemaRegistryClient registry) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topic, Consumed.with(Serdes.String(), AvroSerde.forValues(UsageEvent.class, registry)).withName("plain-source"))
                .mapValues(e -> e.getCostMicros() == null ? 0L : e.getCostMicros(), Named.as("plain-cost"))
                .groupByKey(Grouped.with("plain-group", Serdes.String(), Serdes.Long()))
                .reduce(Long::sum, Named.as("plain-sum"), Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("plain-sum-store")
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()));
        return builder.build();
    }

    private void awaitConsumed(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        long end = admin.listOffsets(latest).all().get().values().stream().mapToLong(i -> i.offset()).sum();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            long committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset()).sum();
            if (committed >= end) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(50); // polling the group's progress; the bound is the deadline above
        }
        throw new IllegalStateException(group + " did not consume " + topic + " within 10 minutes");
    }

    private void preload(String bootstrap, RestSchemaRegistryClient registry, String topic) {
        Random random = new Random(seed);
        Instant base = Instant.now().minus(Duration.ofDays(1));
        // Not idempotent: a fresh topic's first produce can fail spuriously, and an idempotent
        // producer then retries into OutOfOrderSequence until its delivery timeout. The input
        // only has to be the same for both jobs, not free of a rare duplicate.
        try (KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG, "1"),
                new StringSerializer(), new AvroSerializer<>(registry, true, false))) {
            for (int i = 0; i < events; i++) {
                String tenant = "tenant-" + random.nextInt(tenants);
                long input = 200 + random.nextInt(4_000);
                UsageEvent event = UsageEvent.newBuilder().setEventId("e-" + i).setTenantId(tenant)
                        .setOccurredAt(base.plusMillis(i * 50L)).setTeamIds(List.of(tenant + "-team" + random.nextInt(4)))
                        .setUserId(tenant + "-u" + random.nextInt(100)).setApiKeyId(tenant + "-k" + random.nextInt(5))
                        .setFeature("chat").setProvider("openai").setModel("model-" + random.nextInt(50))
                        .setInputTokens(input).setCachedInputTokens(random.nextInt((int) input / 2))
                        .setOutputTokens(50 + random.nextInt(1_000)).setCostMicros((long) random.nextInt(20_000))
                        .setStatus(UsageStatus.ok).setLatencyMs(200L + random.nextInt(3_000)).build();
                producer.send(new ProducerRecord<>(topic, tenant, event));
            }
            producer.flush();
        }
    }

    private void createTopics(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicAdmin.ensure(admin, LedgerTopics.all(partitions));
        }
    }
}
