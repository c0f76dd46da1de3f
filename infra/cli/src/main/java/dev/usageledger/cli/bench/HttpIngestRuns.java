package dev.usageledger.cli.bench;

import dev.usageledger.cli.produce.ProduceCommand;
import dev.usageledger.infra.embedded.EmbeddedKafkaCluster;
import dev.usageledger.infra.embedded.registry.EmbeddedSchemaRegistry;
import dev.usageledger.infra.embedded.topics.LedgerTopics;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.Topics;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine;

/**
 * HTTP ingest ({@code POST /v1/events}, batches of 100 and of 1,000 events, {@value #SENDERS}
 * concurrent senders) next to {@code ledger produce --file}, all into a running ledger service on
 * the same broker: the service counts what arrives, as it would in production, and each run starts
 * once it has caught up with the one before, so every contender meets the same quiet ledger.
 */
final class HttpIngestRuns {
    static final int SENDERS = 4;
    private static final String ADMIN = "bench-admin-token-0000000001";
    private static final int PARTITIONS = 4;

    /** Events per second of each contender, one entry per run. */
    record Figures(double[] produce, double[] http100, double[] http1000) {
    }

    private HttpIngestRuns() {
    }

    static Figures run(EmbeddedKafkaCluster kafka, EmbeddedSchemaRegistry registry, List<String> lines, int runs, Path work,
                       PrintWriter out) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicAdmin.ensure(admin, LedgerTopics.all(PARTITIONS));
            Map<String, Object> settings = new HashMap<>();
            settings.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            settings.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, registry.url());
            settings.put(LedgerStreamsConfig.STATE_DIR_CONFIG, work.resolve("http-ingest-state").toString());
            settings.put(LedgerStreamsConfig.APPLICATION_ID_CONFIG, "bench-http-ingest");
            settings.put(ServiceConfig.HTTP_PORT_CONFIG, 0);
            settings.put(ServiceConfig.AUTH_TOKENS_CONFIG, "admin=" + ADMIN);
            try (LedgerService service = LedgerService.start(new ServiceConfig(settings))) {
                awaitRunning(service);
                URI api = service.apiUri().resolve("/v1/events");
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                out.printf("  HTTP ingest: a ledger service on the same broker, %,d events per run, %d senders%n", lines.size(), SENDERS);
                // warm-up, not counted
                post(http, api, batches(ids(lines, "w100-"), 100));
                post(http, api, batches(ids(lines, "w1000-"), 1_000));
                awaitCaughtUp(service, admin);
                double[] produce = new double[runs];
                double[] http100 = new double[runs];
                double[] http1000 = new double[runs];
                for (int run = 0; run < runs; run++) {
                    Path file = work.resolve("http-ingest-produce-" + run + ".jsonl");
                    Files.write(file, ids(lines, "p" + run + "-"));
                    List<byte[]> hundreds = batches(ids(lines, "h" + run + "-"), 100);
                    List<byte[]> thousands = batches(ids(lines, "k" + run + "-"), 1_000);
                    produce[run] = produce(kafka, registry, file, work.resolve("spool-" + run), lines.size());
                    awaitCaughtUp(service, admin);
                    http100[run] = post(http, api, hundreds);
                    awaitCaughtUp(service, admin);
                    http1000[run] = post(http, api, thousands);
                    awaitCaughtUp(service, admin);
                    out.printf("  run %d into a running ledger: ledger produce --file %,.0f events/s, HTTP batches of 100 %,.0f,"
                            + " of 1,000 %,.0f%n", run + 1, produce[run], http100[run], http1000[run]);
                    out.flush();
                }
                return new Figures(produce, http100, http1000);
            }
        }
    }

    /** The lines with each event id prefixed, so a run's events are new to the ledger. */
    private static List<String> ids(List<String> lines, String prefix) {
        return lines.stream().map(line -> line.replace("\"event_id\":\"", "\"event_id\":\"" + prefix)).toList();
    }

    private static List<byte[]> batches(List<String> lines, int size) {
        List<byte[]> batches = new ArrayList<>();
        for (int from = 0; from < lines.size(); from += size) {
            batches.add(("[" + String.join(",", lines.subList(from, Math.min(lines.size(), from + size))) + "]")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return batches;
    }

    /** Posts every batch with {@value #SENDERS} senders; events per second, each answer checked to accept its whole batch. */
    private static double post(HttpClient http, URI api, List<byte[]> batches) throws Exception {
        AtomicInteger next = new AtomicInteger();
        long started = System.nanoTime();
        long events = 0;
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> sent = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++) {
                sent.add(senders.submit(() -> {
                    long accepted = 0;
                    for (int i = next.getAndIncrement(); i < batches.size(); i = next.getAndIncrement()) {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(api).timeout(Duration.ofSeconds(60))
                                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(batches.get(i))).build(), HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200 || response.body().contains("\"status\":\"rejected\"")) {
                            throw new IllegalStateException("POST /v1/events answered " + response.statusCode() + ": "
                                    + response.body().substring(0, Math.min(300, response.body().length())));
                        }
                        accepted += response.body().split("\"status\":\"accepted\"", -1).length - 1;
                    }
                    return accepted;
                }));
            }
            for (Future<Long> f : sent) {
                events += f.get();
            }
        }
        return events / ((System.nanoTime() - started) / 1e9);
    }

    private static double produce(EmbeddedKafkaCluster kafka, EmbeddedSchemaRegistry registry, Path file, Path spool, int lines) {
        PrintWriter discard = new PrintWriter(OutputStream.nullOutputStream());
        long started = System.nanoTime();
        int exit = new CommandLine(new ProduceCommand()).setOut(discard).setErr(discard).execute("--file", file.toString(), "--bootstrap",
                kafka.bootstrapServers(), "--registry", registry.url(), "--topic", Topics.defaults().usage(), "--spool-dir", spool.toString());
        if (exit != 0) {
            throw new IllegalStateException("ledger produce exited with " + exit);
        }
        return lines / ((System.nanoTime() - started) / 1e9);
    }

    private static void awaitRunning(LedgerService service) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (service.streams().state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the ledger service did not start within 120 s");
            }
            Thread.sleep(100);
        }
    }

    /** Waits until the service has applied every usage record written so far. */
    private static void awaitCaughtUp(LedgerService service, Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(Topics.defaults().usage(), p), OffsetSpec.latest());
        }
        Map<Integer, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
        long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
        for (Map.Entry<Integer, Long> end : ends.entrySet()) {
            while (end.getValue() > 0 && service.state().progress().applied(end.getKey()).offset() < end.getValue() - 1) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the ledger did not catch up within 300 s");
                }
                Thread.sleep(100);
            }
        }
    }
}
