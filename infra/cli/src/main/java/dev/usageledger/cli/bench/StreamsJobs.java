package dev.usageledger.cli.bench;

import dev.usageledger.infra.embedded.topics.LedgerTopics;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.SchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerde;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.LedgerStreamsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
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

/** The Kafka Streams jobs the benchmarks run, the topics and input they set up for them, and how their throughput is taken. */
final class StreamsJobs {
    /** The reporting part's commit interval in the service's design (decision record 0001). */
    static final long REPORTING_COMMIT_INTERVAL_MS = 10_000;

    private StreamsJobs() {
    }

    /** Creates the ledger's topics on the broker, {@code partitions} each. */
    static void createTopics(String bootstrap, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicAdmin.ensure(admin, LedgerTopics.all(partitions));
        }
    }

    /**
     * A producer that pre-loads a benchmark's input: batched, lz4, not idempotent. A fresh topic's
     * first produce can fail spuriously, and an idempotent producer then retries into
     * OutOfOrderSequence until its delivery timeout; the input only has to be the same for every job
     * that reads it, not free of a rare duplicate.
     */
    static <V extends SpecificRecord> KafkaProducer<String, V> preloadProducer(String bootstrap, SchemaRegistryClient registry) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG, "1"),
                new StringSerializer(), new AvroSerializer<>(registry, true, false));
    }

    /** The peer a team would write first: cost summed per tenant with the DSL, exactly-once, one store. */
    static Topology plainSum(String topic, SchemaRegistryClient registry) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topic, Consumed.with(Serdes.String(), AvroSerde.forValues(UsageEvent.class, registry)).withName("plain-source"))
                .mapValues(e -> e.getCostMicros() == null ? 0L : e.getCostMicros(), Named.as("plain-cost"))
                .groupByKey(Grouped.with("plain-group", Serdes.String(), Serdes.Long()))
                .reduce(Long::sum, Named.as("plain-sum"), Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("plain-sum-store")
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()));
        return builder.build();
    }

    /** The plain job's settings: Kafka's defaults plus exactly-once v2, as the ledger runs. */
    static Properties plainProps(String bootstrap, String appId, int threads, Path state) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.resolve(appId).toString());
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        return props;
    }

    /** The ledger's settings for a job reading {@code topic} under its own application id. */
    static Map<String, Object> ledgerSettings(String bootstrap, String registryUrl, String topic, String appId, int threads, Path state) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        settings.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, registryUrl);
        settings.put(LedgerStreamsConfig.APPLICATION_ID_CONFIG, appId);
        settings.put(LedgerStreamsConfig.STREAM_THREADS_CONFIG, threads);
        settings.put(LedgerStreamsConfig.STATE_DIR_CONFIG, state.resolve(appId).toString());
        settings.put(LedgerStreamsConfig.USAGE_TOPIC_CONFIG, topic);
        return settings;
    }

    /**
     * Runs a job over the whole of {@code topic} and answers its records per second, timed from the
     * job reaching RUNNING (start-up and the first rebalance are not ingest) until its group has
     * committed the topic's end offsets.
     */
    static double measure(String bootstrap, Topology topology, Properties props, String topic, long records, Duration limit)
            throws Exception {
        return measureRun(bootstrap, topology, props, topic, records, limit).eventsPerSecond();
    }

    /** A measured run: its rate from RUNNING, and the mean and longest commit of its stream threads. */
    record Run(double eventsPerSecond, double commitLatencyAvgMs, double commitLatencyMaxMs) {
    }

    /** Runs the job over the topic until its group has committed the end, then reads its commit latency. */
    static Run measureRun(String bootstrap, Topology topology, Properties props, String topic, long records, Duration limit)
            throws Exception {
        try (CaughtUp job = runUntilCaughtUp(bootstrap, topology, props, topic, limit, Progress.NONE)) {
            return new Run(records / (job.ingestNanos() / 1e9), commitLatency(job.streams(), "commit-latency-avg"),
                    commitLatencyMaxMs(job.streams()));
        }
    }

    /** Hears how far a job's group has committed through its input, at each look. */
    @FunctionalInterface
    interface Progress {
        Progress NONE = (committed, end) -> {
        };

        void committed(long committed, long end);
    }

    /**
     * A job that has consumed the whole of its input and is still running: its group committed the
     * {@code records} its topic ended at when it started, {@code ingestNanos} after it reached RUNNING.
     * Closing it closes the job and deletes its local state.
     */
    record CaughtUp(KafkaStreams streams, long records, long ingestNanos) implements AutoCloseable {
        @Override
        public void close() {
            streams.close();
            streams.cleanUp();
        }
    }

    /**
     * Starts the job and answers it, running, once its group has committed the end of {@code topic};
     * the time is taken from the job reaching RUNNING (start-up and the first rebalance are not ingest).
     */
    static CaughtUp runUntilCaughtUp(String bootstrap, Topology topology, Properties props, String topic, Duration limit,
                                     Progress progress) throws Exception {
        props.putIfAbsent(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        String group = props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        AtomicLong running = new AtomicLong();
        KafkaStreams streams = new KafkaStreams(topology, props);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING) {
                    running.compareAndSet(0, System.nanoTime());
                }
            });
            streams.start();
            long end = awaitCommitted(admin, group, topic, limit, progress);
            long started = running.get();
            if (started == 0) {
                throw new IllegalStateException(group + " consumed " + topic + " without reaching RUNNING");
            }
            return new CaughtUp(streams, end, System.nanoTime() - started);
        } catch (Exception | Error e) {
            streams.close();
            throw e;
        }
    }

    /** Kafka Streams' {@code commit-latency-max} (ms, over its recent window), the largest of the job's stream threads. */
    static double commitLatencyMaxMs(KafkaStreams streams) {
        return commitLatency(streams, "commit-latency-max");
    }

    /** A stream-thread commit latency metric (ms, over its recent window), the largest of the job's stream threads. */
    static double commitLatency(KafkaStreams streams, String metric) {
        return streams.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals(metric) && e.getKey().group().equals("stream-thread-metrics"))
                .mapToDouble(e -> e.getValue().metricValue() instanceof Number n ? n.doubleValue() : Double.NaN)
                .filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
    }

    /** Waits until the group has committed the end {@code topic} has now, and answers that end. */
    private static long awaitCommitted(Admin admin, String group, String topic, Duration limit, Progress progress) throws Exception {
        int partitions = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        long end = admin.listOffsets(latest).all().get().values().stream().mapToLong(i -> i.offset()).sum();
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            long committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset()).sum();
            progress.committed(committed, end);
            if (committed >= end) {
                return end;
            }
            TimeUnit.MILLISECONDS.sleep(50); // polling the group's progress; the bound is the deadline above
        }
        throw new IllegalStateException(group + " did not consume " + topic + " within " + limit.toSeconds() + " s");
    }
}
