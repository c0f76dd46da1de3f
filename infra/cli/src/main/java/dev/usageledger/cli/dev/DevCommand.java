package dev.usageledger.cli.dev;

import dev.usageledger.infra.embedded.EmbeddedKafkaCluster;
import dev.usageledger.infra.embedded.registry.EmbeddedSchemaRegistry;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.topics.LedgerTopics;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import dev.usageledger.streams.LedgerStreamsConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ledger dev}: the whole ledger on one machine — the in-JVM Kafka broker and schema
 * registry, the topics, the service, sample prices and policies, bearer tokens, optionally a
 * traffic generator — with everything kept in a data directory, so stopping and starting again
 * keeps every total.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = {"Run the whole ledger locally: embedded Kafka and schema registry, the service, sample prices and policies.",
                "Prints 'ledger ready: api=... kafka=... registry=... admin_token=...' once it answers, and the dashboard's address"
                        + " on the next line; Ctrl-C stops it."})
public final class DevCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port of the API; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", defaultValue = "ledger-dev-data", paramLabel = "DIR",
            description = "Broker data, ledger state and tokens, kept across restarts (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--traffic", defaultValue = "0", paramLabel = "RATE",
            description = "Publish this many realistic usage events per second through the producer library (default: none).")
    int traffic;

    @Option(names = "--no-samples", description = "Do not load the sample prices and policies.")
    boolean noSamples;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the usage topic on first start (default: ${DEFAULT-VALUE}).")
    int partitions;

    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Files.createDirectories(dataDir);
        Map<String, String> tokens = DevTokens.load(dataDir.resolve("tokens.properties"));
        progress(out, "starting Kafka (data in " + dataDir.resolve("kafka") + ")");
        EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.startPersistent(dataDir.resolve("kafka"), clusterId(), Map.of());
        EmbeddedSchemaRegistry registry = null;
        LedgerService service = null;
        TrafficGenerator generator = null;
        try {
            progress(out, "starting the schema registry");
            registry = EmbeddedSchemaRegistry.start(kafka.bootstrapServers());
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                TopicAdmin.ensure(admin, LedgerTopics.all(partitions));
            }
            progress(out, "starting the service and restoring its state");
            service = LedgerService.start(new ServiceConfig(settings(kafka, registry, tokens)));
            LedgerService running = service;
            Await.until(() -> running.streams().state() == KafkaStreams.State.RUNNING, Duration.ofMinutes(5),
                    "the ledger's state to be restored and running");
            if (!noSamples) {
                progress(out, "loading sample prices and policies");
                loadSamples(service.apiUri(), tokens.get("admin"));
            }
            if (traffic > 0) {
                generator = TrafficGenerator.start(kafka.bootstrapServers(), registry.url(), dataDir.resolve("spool"), traffic);
            }
            // for scripts: '. ledger-dev-data/endpoints.env' sets API, KAFKA, REGISTRY and ADMIN_TOKEN
            Files.writeString(dataDir.resolve("endpoints.env"), "API=" + service.apiUri() + "\nKAFKA=" + kafka.bootstrapServers()
                    + "\nREGISTRY=" + registry.url() + "\nADMIN_TOKEN=" + tokens.get("admin") + "\n");
            out.printf("ledger ready: api=%s kafka=%s registry=%s admin_token=%s%n", service.apiUri(), kafka.bootstrapServers(),
                    registry.url(), tokens.get("admin"));
            out.printf("dashboard: %s (sign in with the admin token, or a tenant's)%n", service.apiUri().resolve("/ui"));
            out.printf("tenant tokens (%s) are in %s%n", String.join(", ", Samples.TENANTS), dataDir.resolve("tokens.properties"));
            out.flush();
            awaitShutdown(out);
            return 0;
        } finally {
            if (generator != null) {
                generator.close();
            }
            if (service != null) {
                service.close();
            }
            if (registry != null) {
                registry.close();
            }
            kafka.close();
            out.println("ledger dev: stopped");
            out.flush();
            stopped.countDown();
        }
    }

    private Map<String, Object> settings(EmbeddedKafkaCluster kafka, EmbeddedSchemaRegistry registry, Map<String, String> tokens) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        settings.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, registry.url());
        settings.put(LedgerStreamsConfig.STATE_DIR_CONFIG, dataDir.resolve("state").toString());
        settings.put(ServiceConfig.HTTP_PORT_CONFIG, port);
        settings.put(ServiceConfig.AUTH_TOKENS_CONFIG, DevTokens.setting(tokens));
        return settings;
    }

    /** One cluster id per data directory, so the broker finds its own data again. */
    private String clusterId() throws IOException {
        Path file = dataDir.resolve("cluster.id");
        if (Files.exists(file)) {
            return Files.readString(file).trim();
        }
        UUID uuid = UUID.randomUUID();
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits());
        String id = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
        Files.writeString(file, id);
        return id;
    }

    private static void loadSamples(URI api, String adminToken) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        for (Samples.Price price : Samples.PRICES) {
            put(http, api.resolve("/v1/prices/" + price.provider() + "/" + price.model()), adminToken, price.json());
        }
        for (String tenant : Samples.TENANTS) {
            for (String[] policy : Samples.policies(tenant)) {
                put(http, api.resolve("/v1/policies/" + policy[0]), adminToken, policy[1]);
            }
        }
    }

    private static void put(HttpClient http, URI uri, String token, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 && response.statusCode() != 202) {
            throw new IllegalStateException("loading a sample failed: PUT " + uri + " answered " + response.statusCode() + " "
                    + response.body());
        }
    }

    /** Returns when the process is asked to stop (Ctrl-C, SIGTERM); the hook then waits for the clean stop. */
    private void awaitShutdown(PrintWriter out) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("ledger dev: stopping");
            out.flush();
            stop.countDown();
            try {
                stopped.await(Duration.ofSeconds(60).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ledger-dev-shutdown"));
        stop.await();
    }

    private static void progress(PrintWriter out, String step) {
        out.println("ledger dev: " + step + " ...");
        out.flush();
    }
}
