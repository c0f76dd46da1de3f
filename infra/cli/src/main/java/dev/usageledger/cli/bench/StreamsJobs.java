package dev.usageledger.cli.bench;

import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.SchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerde;
import dev.usageledger.streams.LedgerStreamsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
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

/** The Kafka Streams jobs the ingest benchmarks compare, and how their throughput is taken. */
final class StreamsJobs {
    private StreamsJobs() {
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

    /** A measured run: its rate from RUNNING, and the longest commit any of its stream threads took. */
    record Run(double eventsPerSecond, double commitLatencyMaxMs) {
    }

    /** Runs the job over the topic until its group has committed the end, then reads its commit latency. */
    static Run measureRun(String bootstrap, Topology topology, Properties props, String topic, long records, Duration limit)
            throws Exception {
        props.putIfAbsent(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        String group = props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        AtomicLong running = new AtomicLong();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
             KafkaStreams streams = new KafkaStreams(topology, props)) {
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING) {
                    running.compareAndSet(0, System.nanoTime());
                }
            });
            streams.start();
            awaitCommitted(admin, group, topic, limit);
            long started = running.get();
            if (started == 0) {
                throw new IllegalStateException(group + " consumed " + topic + " without reaching RUNNING");
            }
            double rate = records / ((System.nanoTime() - started) / 1e9);
            return new Run(rate, commitLatencyMaxMs(streams));
        }
    }

    /** Kafka Streams' {@code commit-latency-max} (ms, over its recent window), the largest of the job's stream threads. */
    static double commitLatencyMaxMs(KafkaStreams streams) {
        return streams.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("commit-latency-max") && e.getKey().group().equals("stream-thread-metrics"))
                .mapToDouble(e -> e.getValue().metricValue() instanceof Number n ? n.doubleValue() : Double.NaN)
                .filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
    }

    private static void awaitCommitted(Admin admin, String group, String topic, Duration limit) throws Exception {
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
            if (committed >= end) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(50); // polling the group's progress; the bound is the deadline above
        }
        throw new IllegalStateException(group + " did not consume " + topic + " within " + limit.toSeconds() + " s");
    }
}
