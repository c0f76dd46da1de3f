package dev.usageledger.cli.bench;

import dev.usageledger.cli.produce.ImportCommand;
import dev.usageledger.cli.produce.ProduceCommand;
import dev.usageledger.infra.embedded.EmbeddedKafkaCluster;
import dev.usageledger.infra.embedded.registry.EmbeddedSchemaRegistry;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import dev.usageledger.producer.LedgerProducer;
import dev.usageledger.producer.LedgerProducerConfig;
import dev.usageledger.producer.PublishReceipt;
import dev.usageledger.producer.UsageEvents;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerializer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Publish throughput of the producer library against a raw {@code KafkaProducer} sending the
 * same records (same serializer, same producer settings) to the same in-JVM broker, alternating
 * the two over repeated runs and reporting medians, so the ratio is what the library costs. Beside
 * them, the two commands that publish a JSON-lines file, {@code ledger produce} and
 * {@code ledger import}, on the same events written as a file.
 */
@Command(name = "producer", mixinStandardHelpOptions = true,
        description = "Publish throughput: the ledger's producer library vs a raw KafkaProducer, same records, same broker.")
public final class ProducerBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--events", defaultValue = "500000", description = "Events per run (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--runs", defaultValue = "5", description = "Runs of each contender; medians are reported (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the generated workload (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--http-events", defaultValue = "50000",
            description = "Events per run of HTTP ingest and ledger produce into a running ledger service (default: ${DEFAULT-VALUE}; 0 skips).")
    int httpEvents;

    /** Median records per second of each contender. */
    public record Result(double rawPerSecond, double ledgerPerSecond) {
        public double ratio() {
            return ledgerPerSecond / rawPerSecond;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Result result = run(out);
        out.printf("ledger/raw ratio: %.2f%n", result.ratio());
        out.flush();
        return 0;
    }

    /** Runs the benchmark, printing progress and the table to {@code out}. */
    public Result run(PrintWriter out) throws Exception {
        out.printf("producer bench: %,d events per run, %d runs each, seed %d; starting an in-JVM broker and registry%n",
                events, runs, seed);
        out.flush();
        Path spoolRoot = Files.createTempDirectory("ledger-bench-spool");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(kafka.bootstrapServers())) {
            List<UsageEvent> workload = workload();
            double[] raw = new double[runs];
            double[] ledger = new double[runs];
            double[] produce = new double[runs];
            double[] history = new double[runs];
            Path file = spoolRoot.resolve("events.jsonl");
            Files.write(file, workload.stream().map(ProducerBench::json).toList());
            createTopic(kafka.bootstrapServers(), "bench-usage-warmup");
            rawRun(kafka.bootstrapServers(), registry.url(), "bench-usage-warmup", workload);
            ledgerRun(kafka.bootstrapServers(), registry.url(), "bench-usage-warmup", workload, spoolRoot.resolve("warmup"));
            commandRun(new ProduceCommand(), kafka.bootstrapServers(), registry.url(), "bench-usage-warmup-produce", file,
                    spoolRoot.resolve("warmup-produce"), workload.size());
            commandRun(new ImportCommand(), kafka.bootstrapServers(), registry.url(), "bench-usage-warmup-import", file,
                    spoolRoot.resolve("warmup-import"), workload.size());
            out.println("  warm-up run of each done (not counted)");
            for (int run = 0; run < runs; run++) {
                String topic = "bench-usage-" + run;
                createTopic(kafka.bootstrapServers(), topic);
                Path spool = spoolRoot.resolve("run-" + run);
                // Alternate who goes first, so neither always meets a broker just warmed by the other.
                if (run % 2 == 0) {
                    raw[run] = rawRun(kafka.bootstrapServers(), registry.url(), topic, workload);
                    ledger[run] = ledgerRun(kafka.bootstrapServers(), registry.url(), topic, workload, spool);
                } else {
                    ledger[run] = ledgerRun(kafka.bootstrapServers(), registry.url(), topic, workload, spool);
                    raw[run] = rawRun(kafka.bootstrapServers(), registry.url(), topic, workload);
                }
                produce[run] = commandRun(new ProduceCommand(), kafka.bootstrapServers(), registry.url(), topic + "-produce", file,
                        spool.resolve("produce"), workload.size());
                history[run] = commandRun(new ImportCommand(), kafka.bootstrapServers(), registry.url(), topic + "-import", file,
                        spool.resolve("import"), workload.size());
                out.printf("  run %d: raw KafkaProducer %,.0f events/s, ledger producer %,.0f events/s, ledger produce --file %,.0f,"
                        + " ledger import --file %,.0f%n", run + 1, raw[run], ledger[run], produce[run], history[run]);
                out.flush();
            }
            Result result = new Result(median(raw), median(ledger));
            HttpIngestRuns.Figures http = httpEvents == 0 ? null : HttpIngestRuns.run(kafka, registry,
                    Files.readAllLines(file).subList(0, Math.min(httpEvents, workload.size())), runs, spoolRoot, out);
            out.printf("%n| contender | median events/s | min | max |%n|---|---|---|---|%n");
            out.printf("| raw KafkaProducer (Avro serializer) | %,.0f | %,.0f | %,.0f |%n", result.rawPerSecond(), min(raw), max(raw));
            out.printf("| ledger producer library | %,.0f | %,.0f | %,.0f |%n", result.ledgerPerSecond(), min(ledger), max(ledger));
            out.printf("| ledger produce --file (the command: JSON lines, live events) | %,.0f | %,.0f | %,.0f |%n", median(produce),
                    min(produce), max(produce));
            out.printf("| ledger import --file (the command: JSON lines, imported history) | %,.0f | %,.0f | %,.0f |%n", median(history),
                    min(history), max(history));
            if (http != null) {
                out.printf("| into a running ledger service: ledger produce --file | %,.0f | %,.0f | %,.0f |%n", median(http.produce()),
                        min(http.produce()), max(http.produce()));
                out.printf("| into a running ledger service: HTTP POST /v1/events, batches of 100, %d senders | %,.0f | %,.0f | %,.0f |%n",
                        HttpIngestRuns.SENDERS, median(http.http100()), min(http.http100()), max(http.http100()));
                out.printf("| into a running ledger service: HTTP POST /v1/events, batches of 1,000, %d senders | %,.0f | %,.0f | %,.0f |%n",
                        HttpIngestRuns.SENDERS, median(http.http1000()), min(http.http1000()), max(http.http1000()));
            }
            out.printf("(%d cores, JDK %s, 1 in-JVM broker; both contenders share the broker's JVM)%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.version());
            return result;
        }
    }

    private List<UsageEvent> workload() {
        Random random = new Random(seed);
        Instant start = Instant.now();
        List<UsageEvent> workload = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            int tenant = random.nextInt(100);
            long input = 200 + random.nextInt(4_000);
            workload.add(UsageEvents.newEvent("tenant-" + tenant, start.plusMillis(i))
                    .setUserId("tenant-" + tenant + "-u" + random.nextInt(100))
                    .setApiKeyId("tenant-" + tenant + "-k" + random.nextInt(5))
                    .setTeamIds(List.of("tenant-" + tenant + "-team" + random.nextInt(4)))
                    .setProvider("openai").setModel(random.nextBoolean() ? "gpt-4.1-mini" : "gpt-4.1")
                    .setFeature("chat").setEndpoint("/v1/chat/completions")
                    .setInputTokens(input).setCachedInputTokens(random.nextInt((int) input / 2))
                    .setOutputTokens(50 + random.nextInt(1_000)).setLatencyMs(200L + random.nextInt(3_000))
                    .build());
        }
        return workload;
    }

    private static double rawRun(String bootstrap, String registryUrl, String topic, List<UsageEvent> workload) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(registryUrl);
             KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(config, new StringSerializer(),
                     new AvroSerializer<>(registry, true, false))) {
            producer.send(new ProducerRecord<>(topic, workload.getFirst().getTenantId(), workload.getFirst())); // warm metadata and schema id
            producer.flush();
            long started = System.nanoTime();
            for (UsageEvent event : workload) {
                producer.send(new ProducerRecord<>(topic, event.getTenantId(), event));
            }
            producer.flush();
            return perSecond(workload.size(), started);
        }
    }

    private static double ledgerRun(String bootstrap, String registryUrl, String topic, List<UsageEvent> workload, Path spool) {
        Map<String, Object> config = new HashMap<>();
        config.put(LedgerProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put("schema.registry.url", registryUrl);
        config.put(LedgerProducerConfig.TOPIC_CONFIG, topic);
        config.put(LedgerProducerConfig.SPOOL_DIR_CONFIG, spool.toString());
        try (LedgerProducer ledger = LedgerProducer.builder().config(config).build()) {
            ledger.publish(workload.getFirst()).join(); // warm metadata and schema id
            long started = System.nanoTime();
            CompletableFuture<?>[] receipts = new CompletableFuture<?>[workload.size()];
            for (int i = 0; i < workload.size(); i++) {
                receipts[i] = ledger.publish(workload.get(i));
            }
            CompletableFuture.allOf(receipts).join();
            double rate = perSecond(workload.size(), started);
            long spooled = Arrays.stream(receipts).filter(r -> ((PublishReceipt) r.join()).spooled()).count();
            if (spooled > 0) {
                throw new IllegalStateException(spooled + " events went to the spool during the run; the figure would not be a send rate");
            }
            return rate;
        }
    }

    /** Runs a command that publishes {@code file}, timed from its start to its exit; it must publish every line. */
    private static double commandRun(Object command, String bootstrap, String registryUrl, String topic, Path file, Path spool, int lines) {
        createTopic(bootstrap, topic);
        PrintWriter discard = new PrintWriter(OutputStream.nullOutputStream());
        long started = System.nanoTime();
        List<String> args = new ArrayList<>(List.of("--file", file.toString(), "--bootstrap", bootstrap, "--registry", registryUrl,
                "--topic", topic, "--spool-dir", spool.toString()));
        if (command instanceof ImportCommand) {
            args.addAll(List.of("--wait", "0")); // sending is what is timed; no ledger runs here to count
        }
        int exit = new CommandLine(command).setOut(discard).setErr(discard).execute(args.toArray(String[]::new));
        double rate = perSecond(lines, started);
        if (exit != 0) {
            throw new IllegalStateException(command.getClass().getSimpleName() + " exited with " + exit + " publishing " + file);
        }
        return rate;
    }

    /** The event as a {@code ledger produce} JSON line. */
    private static String json(UsageEvent event) {
        return "{\"event_id\":\"" + event.getEventId() + "\",\"tenant_id\":\"" + event.getTenantId() + "\",\"occurred_at\":\""
                + event.getOccurredAt() + "\",\"user_id\":\"" + event.getUserId() + "\",\"api_key_id\":\"" + event.getApiKeyId()
                + "\",\"team_ids\":[\"" + event.getTeamIds().getFirst() + "\"],\"provider\":\"" + event.getProvider() + "\",\"model\":\""
                + event.getModel() + "\",\"feature\":\"" + event.getFeature() + "\",\"endpoint\":\"" + event.getEndpoint()
                + "\",\"input_tokens\":" + event.getInputTokens() + ",\"cached_input_tokens\":" + event.getCachedInputTokens()
                + ",\"output_tokens\":" + event.getOutputTokens() + ",\"latency_ms\":" + event.getLatencyMs() + "}";
    }

    private static void createTopic(String bootstrap, String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(topic, 4, Map.of())));
        }
    }

    private static double perSecond(int count, long startedNanos) {
        return count / ((System.nanoTime() - startedNanos) / 1e9);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(0);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(0);
    }
}
