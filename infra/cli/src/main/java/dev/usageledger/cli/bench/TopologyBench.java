package dev.usageledger.cli.bench;

import dev.usageledger.infra.embedded.EmbeddedKafkaCluster;
import dev.usageledger.infra.embedded.registry.EmbeddedSchemaRegistry;
import dev.usageledger.infra.embedded.topics.LedgerTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.LedgerTopology;
import dev.usageledger.streams.ReportingTopology;
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
import java.util.function.BiFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Ingest throughput of the full ledger topology against a plain Kafka Streams DSL job summing
 * cost per tenant, both exactly-once v2, on the same pre-loaded input on the same broker, with 1
 * and 2 stream threads, after a warm-up run of each. A run ends when the application's committed
 * offsets reach the end of the input; the time includes start-up, as a deploy would.
 */
@Command(name = "topology", mixinStandardHelpOptions = true,
        description = "Ingest throughput: the full ledger topology vs a plain DSL sum per tenant, same input, same broker.")
public final class TopologyBench implements Callable<Integer> {
    private static final Duration LIMIT = Duration.ofMinutes(10);

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

    @Option(names = "--commit-interval-ms",
            description = "Kafka Streams commit interval for both jobs (default: each job's own: 100 ms, exactly-once's default, for the"
                    + " plain sum; 1,000 ms for the ledger).")
    Long commitIntervalMs;

    @Option(names = "--cache-mb",
            description = "Kafka Streams record cache for both jobs, in MiB (default: each job's own: 10, Kafka's default, for the plain"
                    + " sum; 128 for the ledger).")
    Long cacheMb;

    @Option(names = "--policies", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Give every tenant the suite's three policies (tenant month, user day, key requests per minute), so the"
                    + " policy step counts (default: ${DEFAULT-VALUE}).")
    boolean policies;

    @Option(names = "--warm-up", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run each job once over the input, unrecorded, before the measured runs (default: ${DEFAULT-VALUE}).")
    boolean warmUp;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("topology bench: %,d events, %,d tenants, %d partitions, seed %d, commit interval %s, cache %s%n",
                events, tenants, partitions, seed, commitIntervalMs == null ? "each job's own" : commitIntervalMs + " ms",
                cacheMb == null ? "each job's own" : cacheMb + " MiB");
        out.flush();
        Path state = Files.createTempDirectory("ledger-bench-state");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(kafka.bootstrapServers());
             RestSchemaRegistryClient client = RestSchemaRegistryClient.forUrl(registry.url())) {
            String topic = LedgerTopics.USAGE;
            StreamsJobs.createTopics(kafka.bootstrapServers(), partitions);
            if (policies) {
                publishPolicies(kafka.bootstrapServers(), client);
            }
            preload(kafka.bootstrapServers(), client, topic);
            out.printf("  pre-loaded %,d events%s%n", events, policies ? "; 3 policies per tenant" : "; no policies");
            String bootstrap = kafka.bootstrapServers();
            BiFunction<String, Integer, Job> plainJob = (id, threads) -> new Job(StreamsJobs.plainSum(topic, client),
                    tuned(StreamsJobs.plainProps(bootstrap, id, threads, state)));
            BiFunction<String, Integer, Job> ledgerJob = (id, threads) -> {
                LedgerStreamsConfig config = new LedgerStreamsConfig(StreamsJobs.ledgerSettings(bootstrap, registry.url(), topic, id,
                        threads, state));
                return new Job(LedgerTopology.build(config, client), tuned(config.streamsProperties()));
            };
            if (warmUp) {
                // The first job in a JVM pays for compiling the clients', the broker's and its own
                // code (and competes with the compiler for the 2nd core): run each once, unrecorded.
                out.printf("  warming up: each job once over the input, not recorded%n");
                out.flush();
                for (Job job : List.of(plainJob.apply("warm-up-plain", 1), ledgerJob.apply("warm-up-ledger", 1))) {
                    StreamsJobs.measure(bootstrap, job.topology(), job.props(), topic, events, LIMIT);
                }
            }
            out.printf("%n| job | stream threads | events/s | seconds (from RUNNING) | changelog records per event | commit-latency avg / max (ms) |%n"
                    + "|---|---|---|---|---|---|%n");
            double[] plain = new double[3];
            double[] ledger = new double[3];
            for (int threads = 1; threads <= 2; threads++) {
                plain[threads] = run(bootstrap, plainJob.apply("plain-" + threads, threads), threads, topic, out,
                        "plain DSL sum per tenant");
                ledger[threads] = run(bootstrap, ledgerJob.apply("ledger-" + threads, threads), threads, topic, out,
                        "full ledger topology");
            }
            // The reporting part on its own: it reads what the ledger jobs above wrote to the rated
            // topic (each job counted every event once under its own application id), with the
            // commit interval it is meant to run with
            long rated = endOffsets(bootstrap, LedgerTopics.RATED);
            LedgerStreamsConfig reportingConfig = new LedgerStreamsConfig(StreamsJobs.ledgerSettings(bootstrap, registry.url(), topic,
                    "reporting-1", 1, state));
            Properties reportingProps = tuned(reportingConfig.streamsProperties());
            reportingProps.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, StreamsJobs.REPORTING_COMMIT_INTERVAL_MS);
            run(bootstrap, new Job(ReportingTopology.build(reportingConfig, client), reportingProps), 1, LedgerTopics.RATED, rated, out,
                    "reporting part, from the rated topic (" + String.format("%,d", rated) + " records: counted events and transaction markers, "
                            + StreamsJobs.REPORTING_COMMIT_INTERVAL_MS / 1_000 + " s commits)");
            out.printf("%nledger/plain ratio: 1 thread %.2f, 2 threads %.2f%n", ledger[1] / plain[1], ledger[2] / plain[2]);
            out.flush();
        }
        return 0;
    }

    /** A Streams job: its topology and its settings (already tuned). */
    private record Job(Topology topology, Properties props) {
    }

    private double run(String bootstrap, Job job, int threads, String topic, PrintWriter out, String label) throws Exception {
        return run(bootstrap, job, threads, topic, events, out, label);
    }

    /** Runs the job over the {@code events} records of {@code topic} and prints its row. */
    private double run(String bootstrap, Job job, int threads, String topic, long events, PrintWriter out, String label) throws Exception {
        StreamsJobs.Run measured = StreamsJobs.measureRun(bootstrap, job.topology(), job.props(), topic, events, LIMIT);
        double rate = measured.eventsPerSecond();
        long changelog = changelogRecords(bootstrap, job.props().getProperty(StreamsConfig.APPLICATION_ID_CONFIG));
        out.printf("| %s | %d | %,.0f | %.1f | %.2f | %.0f / %.0f |%n", label, threads, rate, events / rate, (double) changelog / events,
                measured.commitLatencyAvgMs(), measured.commitLatencyMaxMs());
        out.flush();
        return rate;
    }

    /** The records on {@code topic}: the sum of its partitions' end offsets (transaction markers included). */
    private static long endOffsets(String bootstrap, String topic) throws Exception {
        return endOffsets(bootstrap, List.of(topic));
    }

    /**
     * What the job wrote to its changelogs: the end offsets of its changelog topics, which also
     * count one transaction marker per partition and commit.
     */
    private static long changelogRecords(String bootstrap, String applicationId) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return endOffsets(bootstrap, admin.listTopics().names().get().stream()
                    .filter(name -> name.startsWith(applicationId + "-") && name.endsWith("-changelog")).toList());
        }
    }

    private static long endOffsets(String bootstrap, List<String> topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            admin.describeTopics(topics).allTopicNames().get().values().forEach(description -> description.partitions()
                    .forEach(partition -> ends.put(new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest())));
            return admin.listOffsets(ends).all().get().values().stream().mapToLong(info -> info.offset()).sum();
        }
    }

    private Properties tuned(Properties props) {
        if (commitIntervalMs != null) {
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        }
        if (cacheMb != null) {
            props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cacheMb << 20);
        }
        return props;
    }

    private void preload(String bootstrap, RestSchemaRegistryClient registry, String topic) {
        Random random = new Random(seed);
        Instant base = Instant.now().minus(Duration.ofDays(1));
        try (KafkaProducer<String, UsageEvent> producer = StreamsJobs.preloadProducer(bootstrap, registry)) {
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

    /** The suite's three policies per tenant: a monthly tenant budget, a daily budget per user, requests per minute per key. */
    private void publishPolicies(String bootstrap, RestSchemaRegistryClient registry) {
        try (KafkaProducer<String, BudgetPolicy> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new AvroSerializer<>(registry, true, false))) {
            for (int t = 0; t < tenants; t++) {
                for (BudgetPolicy policy : Workload.policiesOf("tenant-" + t)) {
                    producer.send(new ProducerRecord<>(LedgerTopics.POLICIES, policy.getPolicyId(), policy));
                }
            }
            producer.flush();
        }
    }
}
