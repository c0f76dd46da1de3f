package dev.usageledger.cli.bench;

import dev.usageledger.infra.embedded.EmbeddedKafkaCluster;
import dev.usageledger.infra.embedded.registry.EmbeddedSchemaRegistry;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.topics.LedgerTopics;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import dev.usageledger.query.api.CheckBody;
import dev.usageledger.query.state.Checks;
import dev.usageledger.query.state.LedgerState;
import dev.usageledger.query.state.Route;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.LedgerStreamsConfig;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Check latency: the in-process decision path alone, then {@code POST /v1/check} over loopback
 * HTTP at fixed rates while usage is ingested, then the same again after ten times more history.
 * Requests are sent on a fixed schedule and each latency counts from its scheduled instant, so a
 * slow answer delays no measurement (no coordinated omission).
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Check latency: in-process decision path, and POST /v1/check over loopback HTTP at fixed rates during ingestion.")
public final class CheckBench implements Callable<Integer> {
    private static final String ADMIN = "admin-token-bench-000001";

    @Spec
    CommandSpec spec;

    @Option(names = "--tenants", defaultValue = "100", description = "Tenants (default: ${DEFAULT-VALUE}).")
    int tenants;

    @Option(names = "--users", defaultValue = "100", description = "Users per tenant (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--history", defaultValue = "50000", description = "Events loaded before the first run (default: ${DEFAULT-VALUE}).")
    int history;

    @Option(names = "--rates", defaultValue = "1000,5000", split = ",", description = "Checks per second (default: ${DEFAULT-VALUE}).")
    List<Integer> rates;

    @Option(names = "--seconds", defaultValue = "15", description = "Length of each HTTP run (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--hold-rates", defaultValue = "500,2000", split = ",",
            description = "Hold placements per second (default: ${DEFAULT-VALUE}).")
    List<Integer> holdRates;

    @Option(names = "--freshness-samples", defaultValue = "200", description = "Freshness samples (default: ${DEFAULT-VALUE}).")
    int freshnessSamples;

    @Option(names = "--ingest-rate", defaultValue = "1000", description = "Events per second published during HTTP runs (default: ${DEFAULT-VALUE}).")
    int ingestRate;

    @Option(names = "--in-process", defaultValue = "200000", description = "In-process decisions measured (default: ${DEFAULT-VALUE}).")
    int inProcess;

    @Option(names = "--connections", defaultValue = "32", description = "Kept-alive HTTP connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--hold-connections", defaultValue = "256", description = "Kept-alive HTTP connections for hold placements, "
            + "each waiting for its hold to be decided (default: ${DEFAULT-VALUE}).")
    int holdConnections;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the usage topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the generated workload (default: ${DEFAULT-VALUE}).")
    long seed;

    private static final Duration SETTLE = Duration.ofSeconds(5);
    private static final String HOLD_FLOOR_TOPIC = "bench.hold-floor";

    private final AtomicLong eventIds = new AtomicLong();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("check bench: %d tenants x %d users, %,d events of history, rates %s/s for %d s, ingestion %,d events/s%n",
                tenants, users, history, rates, seconds, ingestRate);
        out.flush();
        Path state = Files.createTempDirectory("ledger-check-bench");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(kafka.bootstrapServers());
             RestSchemaRegistryClient client = RestSchemaRegistryClient.forUrl(registry.url());
             KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5),
                     new StringSerializer(), new AvroSerializer<>(client, true, false))) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                TopicAdmin.ensure(admin, LedgerTopics.all(partitions));
            }
            try (LedgerService service = LedgerService.start(new ServiceConfig(settings(kafka, registry, state)))) {
                Await.until(() -> service.streams().state() == KafkaStreams.State.RUNNING, Duration.ofMinutes(2), "the service to run");
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
                loadBooks(http, service.apiUri());
                Random random = new Random(seed);
                loadHistory(producer, service, history, random, out);

                out.printf("%n| path | samples | p50 | p99 | p99.9 | max |%n|---|---|---|---|---|---|%n");
                out.println(inProcess(service.state(), random).row("in-process decision, first pass (JIT warming; a budget's first read comes from the stores)"));
                Latencies.Summary inProcessBefore = inProcess(service.state(), random);
                out.println(inProcessBefore.row("in-process decision (route + stores + decide)"));
                out.flush();
                Map<Integer, Latencies.Summary> before = new HashMap<>();
                LoopbackClient loopback = new LoopbackClient(service.apiUri(), connections);
                out.printf("  warming the HTTP check and its floor at %,d/s for %d s each, not recorded%n", rates.getFirst(), seconds);
                overHttp(loopback, producer, rates.getFirst(), random);
                overHttp(loopback, producer, rates.getFirst(), "GET /health", () -> loopback.get("/health") == 200);
                for (int rate : rates) {
                    before.put(rate, overHttp(loopback, producer, rate, random));
                    out.println(before.get(rate).row("HTTP at " + rate + "/s, " + history + " events of history"));
                    out.println(overHttp(loopback, producer, rate, "GET /health", () -> loopback.get("/health") == 200)
                            .row("HTTP floor: GET /health at " + rate + "/s (no state read)"));
                    out.flush();
                }
                loadHistory(producer, service, 9 * history, random, out);
                int rate = rates.getFirst();
                Latencies.Summary after = overHttp(loopback, producer, rate, random);
                Freshness.Delays delays = freshness(service, producer, random);
                out.println(delays.checks().row("freshness: publish acknowledged -> applied, visible to checks"));
                out.println(delays.reports().row("reporting lag: publish acknowledged -> visible to reports"));
                out.flush();
                // a hold is answered once its decision is journaled and acknowledged, a few milliseconds: at 2,000/s that needs
                // more requests in flight than the check runs' connections allow (rate x latency)
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                    TopicAdmin.ensure(admin, List.of(new TopicSpec(HOLD_FLOOR_TOPIC, 1, Map.of())));
                }
                try (LoopbackClient holdClient = new LoopbackClient(service.apiUri(), holdConnections);
                     KafkaFloor single = KafkaFloor.transactions(kafka.bootstrapServers(), HOLD_FLOOR_TOPIC, "bench-check-floor-1");
                     KafkaFloor floor = KafkaFloor.acknowledged(kafka.bootstrapServers(), HOLD_FLOOR_TOPIC)) {
                    AtomicLong warmIds = new AtomicLong();
                    out.printf("  warming hold placement and both Kafka floors at %,d/s for %d s each, not recorded%n",
                            holdRates.getFirst(), seconds);
                    overHttp(holdClient, producer, holdRates.getFirst(), "/v1/holds", () -> holdJson(checkBody(random),
                            "bench-hold-warm-" + warmIds.incrementAndGet()), 201);
                    overHttp(holdClient, producer, holdRates.getFirst(), "transaction", single::commitOne);
                    overHttp(holdClient, producer, holdRates.getFirst(), "acknowledged write", floor::commitOne);
                    for (int holdRate : holdRates) {
                        AtomicLong holdIds = new AtomicLong();
                        out.println(overHttp(holdClient, producer, holdRate, "/v1/holds", () -> holdJson(checkBody(random),
                                "bench-hold-" + holdRate + "-" + holdIds.incrementAndGet()), 201)
                                .row("HTTP holds placed at " + holdRate + "/s (" + holdConnections + " connections)"));
                        out.printf("  stream thread commit-latency-max after it: %.0f ms%n", StreamsJobs.commitLatencyMaxMs(service.streams()));
                        out.println(overHttp(holdClient, producer, holdRate, "GET /health", () -> holdClient.get("/health") == 200)
                                .row("HTTP floor: GET /health at " + holdRate + "/s"));
                        out.println(overHttp(holdClient, producer, holdRate, "transaction", single::commitOne)
                                .row("Kafka floor: group-committed transactions of one producer at " + holdRate + "/s"));
                        out.println(overHttp(holdClient, producer, holdRate, "acknowledged write", floor::commitOne)
                                .row("Kafka floor: one acknowledged write (idempotent, acks=all) per request at " + holdRate + "/s"));
                        out.flush();
                    }
                }
                loopback.close();
                out.println(after.row("HTTP at " + rate + "/s, " + 10 * history + " events of history"));
                Latencies.Summary inProcessAfter = inProcess(service.state(), random);
                out.println(inProcessAfter.row("in-process decision, " + 10 * history + " events of history"));
                out.printf("%np99 with 10x history vs before: HTTP at %d/s %+.1f%%, in-process %+.1f%%%n", rate,
                        100.0 * (after.p99() - before.get(rate).p99()) / before.get(rate).p99(),
                        100.0 * (inProcessAfter.p99() - inProcessBefore.p99()) / inProcessBefore.p99());
                out.flush();
            }
        }
        return 0;
    }

    private Map<String, Object> settings(EmbeddedKafkaCluster kafka, EmbeddedSchemaRegistry registry, Path state) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        settings.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, registry.url());
        settings.put(LedgerStreamsConfig.STATE_DIR_CONFIG, state.toString());
        settings.put(ServiceConfig.HTTP_PORT_CONFIG, 0);
        settings.put(ServiceConfig.AUTH_TOKENS_CONFIG, "admin=" + ADMIN);
        return settings;
    }

    private void loadBooks(HttpClient http, URI api) throws Exception {
        send(http, api, "PUT", "/v1/prices/openai/gpt-4.1-mini", """
                {"effective_from": "2025-01-01T00:00:00Z", "currency": "USD", "input_micros_per_mtok": 400000,
                 "cached_input_micros_per_mtok": 100000, "output_micros_per_mtok": 1600000}""");
        for (int t = 0; t < tenants; t++) {
            String tenant = "t" + t;
            send(http, api, "PUT", "/v1/policies/" + tenant + "-month", "{\"tenant_id\": \"" + tenant + "\", \"subject\": {\"type\": "
                    + "\"tenant\", \"id\": \"" + tenant + "\"}, \"metric\": \"cost_micros\", \"limit\": 100000000000,"
                    + " \"period\": {\"kind\": \"month\", \"time_zone\": \"America/New_York\"}}");
            send(http, api, "PUT", "/v1/policies/" + tenant + "-user-day", "{\"tenant_id\": \"" + tenant + "\", \"subject\": {\"type\": "
                    + "\"user\", \"id\": \"*\"}, \"metric\": \"cost_micros\", \"limit\": 5000000000, \"period\": {\"kind\": \"day\","
                    + " \"time_zone\": \"Europe/Berlin\"}}");
            send(http, api, "PUT", "/v1/policies/" + tenant + "-key-rpm", "{\"tenant_id\": \"" + tenant + "\", \"subject\": {\"type\": "
                    + "\"api_key\", \"id\": \"*\"}, \"metric\": \"requests\", \"limit\": 1000000, \"period\": {\"kind\": \"rolling\","
                    + " \"duration\": \"PT1M\"}}");
        }
    }

    /** Publishes {@code count} events spread over the last six days, oldest first, and waits until all are applied. */
    private void loadHistory(KafkaProducer<String, UsageEvent> producer, LedgerService service, int count, Random random,
                             PrintWriter out) {
        Instant now = Instant.now();
        long span = Duration.ofDays(6).toMillis();
        for (int i = 0; i < count; i++) {
            Instant at = now.minusMillis(span - span * i / count);
            UsageEvent event = event(random, at);
            producer.send(new ProducerRecord<>(LedgerTopics.USAGE, null, at.toEpochMilli(), event.getTenantId(), event));
        }
        producer.flush();
        long total = eventIds.get();
        Await.until(() -> appliedEvents(service) >= total, Duration.ofMinutes(10), "the history to be applied");
        Await.until(() -> Freshness.reportingCaughtUp(service, partitions), Duration.ofMinutes(10),
                "the reporting part to sum the history"); // so that no measured run shares the machine with that catch-up
        out.printf("  history: %,d events applied; letting the last commit and store compactions settle for %d s%n", total,
                SETTLE.toSeconds());
        out.flush();
        try {
            Thread.sleep(SETTLE); // the stream thread's last commit flushes the loaded history; measure after it, not during it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long appliedEvents(LedgerService service) {
        long applied = 0;
        for (int p = 0; p < partitions; p++) {
            applied += service.state().progress().applied(p).offset() + 1;
        }
        return applied;
    }

    private Latencies.Summary inProcess(LedgerState state, Random random) {
        Checks checks = new Checks(state);
        Latencies latencies = new Latencies();
        for (int i = 0; i < inProcess; i++) {
            CheckBody body = checkBody(random);
            long started = System.nanoTime();
            Route route = state.route(body.tenantId(), false);
            if (!(route instanceof Route.Local local)) {
                throw new IllegalStateException("a single instance must own every tenant, got " + route);
            }
            checks.decide(body, state.stores(local.partition(), false), Instant.now());
            long took = System.nanoTime() - started;
            latencies.record(took);
        }
        return latencies.summary();
    }

    private Latencies.Summary overHttp(LoopbackClient http, KafkaProducer<String, UsageEvent> producer, int rate,
                                       Random random) throws Exception {
        return overHttp(http, producer, rate, "/v1/check", () -> json(checkBody(random)), 200);
    }

    private Latencies.Summary overHttp(LoopbackClient http, KafkaProducer<String, UsageEvent> producer, int rate, String path,
                                       Supplier<String> bodies, int expectedStatus) throws Exception {
        return overHttp(http, producer, rate, "POST " + path, () -> http.post(path, ADMIN, bodies.get()) == expectedStatus);
    }

    private Latencies.Summary overHttp(LoopbackClient http, KafkaProducer<String, UsageEvent> producer, int rate, String what,
                                       Callable<Boolean> request) throws Exception {
        AtomicBoolean ingesting = new AtomicBoolean(true);
        Thread ingest = Thread.ofPlatform().name("bench-ingest").start(() -> ingest(producer, ingesting, new Random(seed + rate)));
        try {
            return FixedRate.run(what, rate, seconds, request);
        } finally {
            ingesting.set(false);
            ingest.join();
        }
    }

    /**
     * From a publish being acknowledged to the event being applied by the owning task (from then
     * on every check reads it), and to the reporting part, while ingestion runs; sampled
     * {@code freshnessSamples} times.
     */
    private Freshness.Delays freshness(LedgerService service, KafkaProducer<String, UsageEvent> producer, Random random)
            throws Exception {
        AtomicBoolean ingesting = new AtomicBoolean(true);
        Thread ingest = Thread.ofPlatform().name("bench-ingest").start(() -> ingest(producer, ingesting, new Random(seed + 7)));
        try {
            return Freshness.sample(service, producer, LedgerTopics.USAGE, freshnessSamples, now -> event(random, now));
        } finally {
            ingesting.set(false);
            ingest.join();
        }
    }

    private void ingest(KafkaProducer<String, UsageEvent> producer, AtomicBoolean running, Random random) {
        long interval = 1_000_000_000L / Math.max(1, ingestRate);
        long next = System.nanoTime();
        while (running.get()) {
            Instant now = Instant.now();
            UsageEvent event = event(random, now);
            producer.send(new ProducerRecord<>(LedgerTopics.USAGE, null, now.toEpochMilli(), event.getTenantId(), event));
            next += interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    private UsageEvent event(Random random, Instant at) {
        int tenant = random.nextInt(tenants);
        return UsageEvent.newBuilder().setEventId("b-" + eventIds.incrementAndGet()).setTenantId("t" + tenant).setOccurredAt(at)
                .setUserId("t" + tenant + "-u" + random.nextInt(users)).setApiKeyId("t" + tenant + "-k" + random.nextInt(10))
                .setTeamIds(List.of("t" + tenant + "-team" + random.nextInt(3))).setProvider("openai").setModel("gpt-4.1-mini")
                .setFeature("chat").setInputTokens(200 + random.nextInt(4_000)).setOutputTokens(50 + random.nextInt(1_000))
                .setRequests(1).setStatus(UsageStatus.ok).build();
    }

    private CheckBody checkBody(Random random) {
        int tenant = random.nextInt(tenants);
        return new CheckBody("t" + tenant, "t" + tenant + "-u" + random.nextInt(users), List.of("t" + tenant + "-team" + random.nextInt(3)),
                "t" + tenant + "-k" + random.nextInt(10), "openai", "gpt-4.1-mini", "chat", "/v1/chat/completions",
                new CheckBody.EstimateBody(null, 1_200L, null, 300L, null, 1L), null, null);
    }

    private static String json(CheckBody body) {
        return "{\"tenant_id\": \"" + body.tenantId() + "\", \"user_id\": \"" + body.userId() + "\", \"team_ids\": [\""
                + body.teamIds().getFirst() + "\"], \"api_key_id\": \"" + body.apiKeyId() + "\", \"provider\": \"openai\","
                + " \"model\": \"gpt-4.1-mini\", \"feature\": \"chat\", \"endpoint\": \"/v1/chat/completions\","
                + " \"estimate\": {\"input_tokens\": 1200, \"output_tokens\": 300}}";
    }

    private static String holdJson(CheckBody body, String holdId) {
        String check = json(body);
        return check.substring(0, check.length() - 1) + ", \"hold_id\": \"" + holdId + "\", \"ttl_ms\": 60000}";
    }

    private static void send(HttpClient http, URI api, String method, String path, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(api.resolve(path)).header("Authorization", "Bearer " + ADMIN)
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
    }
}
