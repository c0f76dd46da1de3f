package dev.usageledger.cli.bench;

import dev.usageledger.cli.audit.AuditCommand;
import dev.usageledger.infra.embedded.EmbeddedKafkaCluster;
import dev.usageledger.infra.embedded.registry.EmbeddedSchemaRegistry;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.topics.LedgerTopics;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.LedgerTopology;
import dev.usageledger.streams.state.PriceBook;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine;

/**
 * Every benchmark of {@code ./ledger bench} on one generated workload, one broker, one run:
 * ingest (the raw producer and consumer as the machine's limit, a plain Kafka Streams sum, the
 * ledger topology, a PostgreSQL ledger), check latency at fixed rates before and after ten times
 * more history (the ledger over HTTP against the PostgreSQL peer's counter read and month SUM),
 * freshness, and the audit's replay rate against the raw consumer. Figures go to a {@link SuiteReport}.
 */
final class BenchSuite {
    static final String INGEST_TOPIC = "bench.usage.ingest";
    /** Where the ingest runs of the ledger topology write what they counted, apart from the service's rated topic. */
    static final String INGEST_RATED_TOPIC = "bench.usage.ingest.rated";
    static final String INGEST_SEEDS_TOPIC = "bench.usage.ingest.seeds";
    private static final String RAW_TOPIC = "bench.usage.raw-producer";
    private static final String HOLD_FLOOR_TOPIC = "bench.hold-floor";
    private static final String ADMIN = "admin-token-bench-suite-01";
    private static final Duration JOB_LIMIT = Duration.ofMinutes(20);
    private static final PrintWriter DISCARD = new PrintWriter(OutputStream.nullOutputStream());

    /** Sizes and switches of one run. */
    record Settings(Workload workload, int events, int history, int repeats, List<Integer> rates, List<Integer> holdRates, int seconds,
                    int ingestRate, int freshnessSamples, int peerThreads, int partitions, boolean postgres) {
    }

    private final Settings settings;
    private final PrintWriter out;
    private final SuiteReport report = new SuiteReport();
    /** Events published to the ledger while measuring, which the history's applied count must include. */
    private final AtomicLong liveIds = new AtomicLong();
    private final AtomicLong peerLiveIds = new AtomicLong();
    private double rawReadRate;

    BenchSuite(Settings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    /** Runs everything and writes the report into {@code results}; answers the JSON file. */
    Path run(Path results) throws Exception {
        Workload w = settings.workload();
        Map<String, Object> sizes = report.workload();
        sizes.put("seed", w.seed());
        sizes.put("tenants", w.tenants());
        sizes.put("users", w.users());
        sizes.put("api_keys", w.keys());
        sizes.put("models", w.models());
        sizes.put("ingest_events", settings.events());
        sizes.put("check_history_events", settings.history());
        sizes.put("repeats", settings.repeats());
        sizes.put("partitions", settings.partitions());
        sizes.put("stream_threads", 1);
        Path work = Files.createTempDirectory("ledger-bench-suite");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(kafka.bootstrapServers());
             RestSchemaRegistryClient client = RestSchemaRegistryClient.forUrl(registry.url())) {
            step("broker and registry up at %s; creating topics, publishing %d prices and %,d policies", kafka.bootstrapServers(),
                    w.models(), w.tenants() * 3);
            createTopics(kafka.bootstrapServers());
            publishBooks(kafka.bootstrapServers(), client);
            Generated records = generate(client);
            preload(kafka.bootstrapServers(), records.encoded());
            Optional<PostgresPeer> peer = startPeer(work);
            try {
                ingest(kafka, registry, client, records, peer, work);
                latencyAndFreshness(kafka, registry, client, peer, work);
                audit(kafka, registry);
            } finally {
                peer.ifPresent(PostgresPeer::close);
            }
        }
        Path json = report.write(results);
        step("results: %s (and %s)", json, json.resolveSibling(json.getFileName().toString().replace(".json", ".md")));
        return json;
    }

    private void ingest(EmbeddedKafkaCluster kafka, EmbeddedSchemaRegistry registry, RestSchemaRegistryClient client, Generated records,
                        Optional<PostgresPeer> peer, Path work) throws Exception {
        int n = settings.events();
        double[] producer = repeat("raw KafkaProducer append", () -> rawProduce(kafka.bootstrapServers(), records.encoded()));
        double[] consumer = repeat("raw KafkaConsumer read", () -> rawConsume(kafka.bootstrapServers()));
        AtomicLong run = new AtomicLong();
        double[] plain = repeat("plain DSL sum per tenant", () -> StreamsJobs.measure(kafka.bootstrapServers(),
                StreamsJobs.plainSum(INGEST_TOPIC, client), StreamsJobs.plainProps(kafka.bootstrapServers(), "bench-plain-"
                        + run.incrementAndGet(), 1, work), INGEST_TOPIC, n, JOB_LIMIT));
        double[] ledger = repeat("ledger topology", () -> {
            Map<String, Object> settings = StreamsJobs.ledgerSettings(kafka.bootstrapServers(), registry.url(), INGEST_TOPIC,
                    "bench-ledger-" + run.incrementAndGet(), 1, work);
            // what the ingest runs count stays out of the service measured next (its reporting part reads the rated topic)
            settings.put(LedgerStreamsConfig.RATED_TOPIC_CONFIG, INGEST_RATED_TOPIC);
            settings.put(LedgerStreamsConfig.SEEDS_TOPIC_CONFIG, INGEST_SEEDS_TOPIC);
            LedgerStreamsConfig config = new LedgerStreamsConfig(settings);
            return StreamsJobs.measure(kafka.bootstrapServers(), LedgerTopology.build(config, client),
                    config.streamsProperties(), INGEST_TOPIC, n, JOB_LIMIT);
        });
        report.rate("raw KafkaProducer append (limit)", "pre-serialized records, acks=all, idempotent, Kafka defaults", producer);
        SuiteReport.Rate rawRead = report.rate("raw KafkaConsumer read (limit)", "bytes only, from the beginning", consumer);
        SuiteReport.Rate plainSum = report.rate("plain Kafka Streams DSL sum per tenant", "exactly-once v2, 1 stream thread, one store",
                plain);
        SuiteReport.Rate full = report.rate("ledger topology", "exactly-once v2, 1 stream thread: validate, dedupe, rate,"
                + " 3 policies per tenant, breaches, the rated topic (enforcement; reporting apart)", ledger);
        double ratio = full.median() / plainSum.median();
        report.goal("ledger topology vs plain DSL sum", ">= 0.50", String.format("%.2f", ratio), ratio >= 0.5);
        if (peer.isPresent()) {
            double[] sql = repeat("postgres ledger", () -> {
                peer.get().reset();
                return peer.get().ingest(records.peerEvents(), settings.peerThreads(), out);
            });
            SuiteReport.Rate postgres = report.rate("PostgreSQL ledger", settings.peerThreads() + " client threads, one transaction per"
                    + " event: insert + user and tenant counters under SELECT ... FOR UPDATE", sql);
            double vsPeer = full.median() / postgres.median();
            report.goal("ledger topology vs PostgreSQL ledger", ">= 10x", String.format("%.1fx", vsPeer), vsPeer >= 10);
        }
        rawReadRate = rawRead.median();
    }

    private void latencyAndFreshness(EmbeddedKafkaCluster kafka, EmbeddedSchemaRegistry registry, RestSchemaRegistryClient client,
                                     Optional<PostgresPeer> peer, Path work) throws Exception {
        int h = settings.history();
        Map<String, Object> service = new HashMap<>();
        service.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        service.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, registry.url());
        service.put(LedgerStreamsConfig.APPLICATION_ID_CONFIG, "bench-service");
        service.put(LedgerStreamsConfig.STATE_DIR_CONFIG, work.resolve("service").toString());
        service.put(ServiceConfig.HTTP_PORT_CONFIG, 0);
        service.put(ServiceConfig.AUTH_TOKENS_CONFIG, "admin=" + ADMIN);
        try (LedgerService ledger = LedgerService.start(new ServiceConfig(service));
             KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(),
                     new AvroSerializer<>(client, true, false));
             LoopbackClient http = new LoopbackClient(awaitRunning(ledger), 32)) {
            history(producer, ledger, peer, 0, h);
            int first = settings.rates().getFirst();
            step("warming up every check path (JIT, connections) for %d s at %,d/s, not recorded", settings.seconds(), first);
            checksAt(first, h, http, producer, peer, false);
            Map<String, Latencies.Summary> before = new HashMap<>();
            for (int rate : settings.rates()) {
                before.putAll(checksAt(rate, h, http, producer, peer, true));
            }
            history(producer, ledger, peer, h, 10 * h);
            Map<String, Latencies.Summary> after = checksAt(first, 10L * h, http, producer, peer, true);
            Latencies.Summary ledgerBefore = before.get("ledger@" + first);
            Latencies.Summary ledgerAfter = after.get("ledger@" + first);
            report.goal("ledger check p99 over HTTP at " + first + "/s", "<= 1 ms", Latencies.Summary.micros(ledgerBefore.p99()),
                    ledgerBefore.p99() <= 1_000_000);
            report.note(String.format("check p99 at %d/s: %s; the same server's GET /health (no state read) in the same conditions: %s",
                    first, Latencies.Summary.micros(ledgerBefore.p99()), Latencies.Summary.micros(before.get("floor@" + first).p99())));
            double growth = 100.0 * (ledgerAfter.p99() - ledgerBefore.p99()) / ledgerBefore.p99();
            report.goal("ledger check p99 growth with 10x history", "<= +10%", String.format("%+.1f%%", growth), growth <= 10);
            if (peer.isPresent()) {
                double sumGrowth = 100.0 * (after.get("sum@" + first).p99() - before.get("sum@" + first).p99()) / before.get("sum@" + first).p99();
                report.note(String.format("PostgreSQL month SUM check p99 with 10x history: %+.1f%%", sumGrowth));
            }
            step("freshness: %d samples while ingesting %,d events/s", settings.freshnessSamples(), settings.ingestRate());
            Freshness.Delays delays = whileIngesting(producer, () -> Freshness.sample(ledger, producer, LedgerTopics.USAGE,
                    settings.freshnessSamples(), now -> live(now).event()));
            Latencies.Summary fresh = delays.checks();
            report.latency("freshness: publish acknowledged -> applied, visible to checks", settings.ingestRate(), 10L * h, fresh);
            report.latency("reporting lag: publish acknowledged -> in the reporting part's blocks, visible to reports",
                    settings.ingestRate(), 10L * h, delays.reports());
            report.goal("freshness p99", "<= 250 ms", Latencies.Summary.micros(fresh.p99()), fresh.p99() <= 250_000_000);
            holds(kafka.bootstrapServers(), ledger, producer, 10L * h);
        }
    }

    /**
     * Hold placement at each hold rate while events are ingested, beside three floors measured at
     * the same rate right after it: the service's {@code GET /health} (HTTP alone), a bare
     * acknowledged write and a bare group-committed transaction (durable answers alone, see
     * {@link KafkaFloor}).
     * Each hold names a new hold id; a refused hold (200) is an answer as much as a granted one (201).
     */
    private void holds(String bootstrap, LedgerService ledger, KafkaProducer<String, UsageEvent> producer, long history) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(HOLD_FLOOR_TOPIC, 1, Map.of())));
        }
        AtomicLong holdIds = new AtomicLong();
        try (LoopbackClient http = new LoopbackClient(ledger.apiUri(), 256);
             KafkaFloor floor = KafkaFloor.acknowledged(bootstrap, HOLD_FLOOR_TOPIC);
             KafkaFloor transactions = KafkaFloor.transactions(bootstrap, HOLD_FLOOR_TOPIC, "bench-hold-floor")) {
            Callable<Boolean> place = () -> {
                long id = holdIds.incrementAndGet(); // each request its own generator: requests run on many threads at once
                int status = http.post("/v1/holds", ADMIN, holdJson(new SplittableRandom(settings.workload().seed() + id), "bench-hold-" + id));
                return status == 201 || status == 200;
            };
            int first = settings.holdRates().getFirst();
            step("warming up hold placement and both floors for %d s at %,d/s, not recorded", settings.seconds(), first);
            whileIngesting(producer, () -> FixedRate.run("POST /v1/holds", first, settings.seconds(), place));
            whileIngesting(producer, () -> FixedRate.run("acknowledged write", first, settings.seconds(), floor::commitOne));
            whileIngesting(producer, () -> FixedRate.run("transaction", first, settings.seconds(), transactions::commitOne));
            for (int rate : settings.holdRates()) {
                step("hold placement at %,d/s for %d s while ingesting %,d events/s, then its floors", rate, settings.seconds(),
                        settings.ingestRate());
                Latencies.Summary holds = whileIngesting(producer, () -> FixedRate.run("POST /v1/holds", rate, settings.seconds(), place));
                double commitMax = StreamsJobs.commitLatencyMaxMs(ledger.streams());
                Latencies.Summary httpFloor = whileIngesting(producer, () -> FixedRate.run("GET /health", rate, settings.seconds(),
                        () -> http.get("/health") == 200));
                Latencies.Summary ackFloor = whileIngesting(producer, () -> FixedRate.run("acknowledged write", rate, settings.seconds(),
                        floor::commitOne));
                Latencies.Summary txFloor = whileIngesting(producer, () -> FixedRate.run("transaction", rate, settings.seconds(),
                        transactions::commitOne));
                report.latency("ledger POST /v1/holds: hold decided, journaled and acknowledged, over loopback HTTP", rate, history, holds);
                report.latency("HTTP floor beside the holds: GET /health over loopback HTTP (no state read)", rate, history, httpFloor);
                report.latency("Kafka floor beside the holds: one acknowledged write per request (idempotent producer, acks=all)",
                        rate, history, ackFloor);
                report.latency("Kafka floor beside the holds: one group-committed transaction per batch of waiting requests, "
                        + "one record each, acks=all", rate, history, txFloor);
                long target = rate <= 500 ? 5_000_000 : 10_000_000;
                report.goal("hold placement p99 at " + rate + "/s", "<= " + target / 1_000_000 + " ms", Latencies.Summary.micros(holds.p99()),
                        holds.p99() <= target);
                if (rate <= 500) {
                    report.goal("hold placement p99.9 at " + rate + "/s", "<= 20 ms", Latencies.Summary.micros(holds.p999()),
                            holds.p999() <= 20_000_000);
                }
                report.note(String.format("hold placement at %d/s: p99 %s, p99.9 %s; beside it HTTP alone p99 %s, an acknowledged"
                                + " write p99 %s, a bare transaction p99 %s; the stream thread's commit-latency-max after the hold run: %.0f ms",
                        rate, Latencies.Summary.micros(holds.p99()), Latencies.Summary.micros(holds.p999()),
                        Latencies.Summary.micros(httpFloor.p99()), Latencies.Summary.micros(ackFloor.p99()),
                        Latencies.Summary.micros(txFloor.p99()), commitMax));
            }
        }
    }

    private String holdJson(SplittableRandom random, String holdId) {
        String check = checkJson(random);
        return check.substring(0, check.lastIndexOf('}')) + ", \"hold_id\": \"" + holdId + "\", \"ttl_ms\": 60000}";
    }

    /**
     * The ledger's check over HTTP and the peer's two checks at {@code rate}, each while its own
     * ingestion runs; recorded in the report when {@code recorded}.
     */
    private Map<String, Latencies.Summary> checksAt(int rate, long history, LoopbackClient http, KafkaProducer<String, UsageEvent> producer,
                                                    Optional<PostgresPeer> peer, boolean recorded) throws Exception {
        SuiteReport sink = recorded ? report : new SuiteReport();
        Map<String, Latencies.Summary> results = new HashMap<>();
        SplittableRandom random = new SplittableRandom(settings.workload().seed() + rate + history);
        step("checks at %,d/s for %d s, %,d events of history", rate, settings.seconds(), history);
        Latencies.Summary ledger = whileIngesting(producer, () -> FixedRate.run("POST /v1/check", rate, settings.seconds(),
                () -> http.post("/v1/check", ADMIN, checkJson(random.split())) == 200));
        sink.latency("ledger POST /v1/check over loopback HTTP", rate, history, ledger);
        results.put("ledger@" + rate, ledger);
        Latencies.Summary floor = whileIngesting(producer, () -> FixedRate.run("GET /health", rate, settings.seconds(),
                () -> http.get("/health") == 200));
        sink.latency("HTTP floor: the same service's GET /health over loopback HTTP (no state read)", rate, history, floor);
        results.put("floor@" + rate, floor);
        if (peer.isPresent()) {
            PostgresPeer sql = peer.get();
            Latencies.Summary counters = whilePeerIngests(sql, () -> FixedRate.run("counter read", rate, settings.seconds(), () -> {
                int user = random.split().nextInt(settings.workload().users());
                sql.counterCheck(Workload.tenantId(user % settings.workload().tenants()), Workload.userId(user), Instant.now(),
                        Workload.TENANT_MONTH_LIMIT, Workload.USER_DAY_LIMIT);
                return true;
            }));
            sink.latency("PostgreSQL check: tenant and user counter rows (JDBC)", rate, history, counters);
            Latencies.Summary sums = whilePeerIngests(sql, () -> FixedRate.run("month SUM", rate, settings.seconds(), () -> {
                int user = random.split().nextInt(settings.workload().users());
                sql.sumCheck(Workload.tenantId(user % settings.workload().tenants()), Workload.userId(user), Instant.now(),
                        Workload.TENANT_MONTH_LIMIT, Workload.USER_DAY_LIMIT);
                return true;
            }));
            sink.latency("PostgreSQL check: SUM over the month's usage rows, indexed (JDBC)", rate, history, sums);
            results.put("counter@" + rate, counters);
            results.put("sum@" + rate, sums);
        }
        return results;
    }

    /** Adds events {@code from..to} of the check history (spread over the last six days) to the ledger and the peer. */
    private void history(KafkaProducer<String, UsageEvent> producer, LedgerService ledger, Optional<PostgresPeer> peer, int from, int to) {
        step("check history: adding %,d events (%,d in all)", to - from, to);
        Instant now = Instant.now();
        long span = Duration.ofDays(6).toMillis();
        List<PostgresPeer.PeerEvent> rows = new ArrayList<>();
        if (from == 0) {
            peer.ifPresent(PostgresPeer::reset);
        }
        for (int i = from; i < to; i++) {
            Instant at = now.minusMillis(span - span * (i - from) / (to - from));
            Workload.Call call = settings.workload().call(i, at, "history-" + i);
            producer.send(new ProducerRecord<>(LedgerTopics.USAGE, null, at.toEpochMilli(), call.event().getTenantId(), call.event()));
            rows.add(call.forPeer());
        }
        producer.flush();
        peer.ifPresent(p -> {
            p.loadHistory(rows);
            p.analyze();
        });
        long published = to + liveIds.get();
        Await.until(() -> applied(ledger) >= published, JOB_LIMIT, "the ledger to apply the check history");
        // and the reporting part to have summed it (days included), so that no check runs beside that catch-up
        Await.until(() -> Freshness.reportingCaughtUp(ledger, settings.partitions()), JOB_LIMIT,
                "the reporting part to apply the check history");
    }

    private long applied(LedgerService ledger) {
        long applied = 0;
        for (int p = 0; p < settings.partitions(); p++) {
            applied += ledger.state().progress().applied(p).offset() + 1;
        }
        return applied;
    }

    /** Runs {@code measurement} while events are published to the ledger at the ingest rate. */
    private <T> T whileIngesting(KafkaProducer<String, UsageEvent> producer, Measurement<T> measurement) throws Exception {
        return alongside("bench-live-ingest", running -> paced(running, () -> {
            Workload.Call call = live(Instant.now());
            producer.send(new ProducerRecord<>(LedgerTopics.USAGE, null, call.event().getOccurredAt().toEpochMilli(),
                    call.event().getTenantId(), call.event()));
        }), measurement);
    }

    /** Runs {@code measurement} while the peer ingests at the ingest rate, in batches of a tenth of a second. */
    private <T> T whilePeerIngests(PostgresPeer peer, Measurement<T> measurement) throws Exception {
        int batch = Math.max(1, settings.ingestRate() / 10);
        return alongside("bench-peer-ingest", running -> {
            while (running.get()) {
                long started = System.nanoTime();
                List<PostgresPeer.PeerEvent> events = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    long id = peerLiveIds.incrementAndGet();
                    events.add(settings.workload().call(2_000_000_000L + id, Instant.now(), "peer-live-" + id).forPeer());
                }
                peer.ingest(events, 2, DISCARD);
                long rest = 100_000_000L - (System.nanoTime() - started);
                if (rest > 0) {
                    LockSupport.parkNanos(rest);
                }
            }
        }, measurement);
    }

    /** Runs {@code work} on its own thread until {@code measurement} is done, then stops it and waits for it. */
    private static <T> T alongside(String thread, Consumer<AtomicBoolean> work, Measurement<T> measurement) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        Thread worker = Thread.ofPlatform().name(thread).start(() -> work.accept(running));
        try {
            return measurement.run();
        } finally {
            running.set(false);
            worker.join();
        }
    }

    private void paced(AtomicBoolean running, Runnable publish) {
        long interval = 1_000_000_000L / Math.max(1, settings.ingestRate());
        long next = System.nanoTime();
        while (running.get()) {
            publish.run();
            next += interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    private Workload.Call live(Instant at) {
        long id = liveIds.incrementAndGet();
        return settings.workload().call(1_000_000_000L + id, at, "live-" + id);
    }

    private String checkJson(SplittableRandom random) {
        Workload w = settings.workload();
        int user = random.nextInt(w.users());
        int tenant = user % w.tenants();
        int model = random.nextInt(w.models());
        String tenantId = Workload.tenantId(tenant);
        return "{\"tenant_id\": \"" + tenantId + "\", \"user_id\": \"" + Workload.userId(user) + "\", \"team_ids\": [\"" + tenantId
                + "-team" + user % 4 + "\"], \"api_key_id\": \"key-" + (tenant + w.tenants() * random.nextInt(Math.max(1, w.keys() / w.tenants())))
                + "\", \"provider\": \"" + Workload.provider(model) + "\", \"model\": \"" + Workload.modelId(model) + "\", \"feature\": \""
                + Workload.FEATURES[random.nextInt(Workload.FEATURES.length)] + "\", \"endpoint\": \"/v1/chat/completions\","
                + " \"estimate\": {\"input_tokens\": 1200, \"output_tokens\": 300}}";
    }

    /** {@code ledger audit} over the ingest topic (every event in range, no reconciliation), in events per second. */
    private void audit(EmbeddedKafkaCluster kafka, EmbeddedSchemaRegistry registry) throws Exception {
        Workload w = settings.workload();
        Instant from = w.start().truncatedTo(ChronoUnit.HOURS);
        Instant to = w.start().plusMillis((long) settings.events() * w.spacingMs()).truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        Path reports = Files.createTempDirectory("ledger-bench-audit");
        List<Double> replays = new ArrayList<>(); // the warm-up's first, then the recorded runs'
        double[] runs = repeat("ledger audit", () -> {
            AuditCommand audit = new AuditCommand();
            long started = System.nanoTime();
            int exit = new CommandLine(audit).setOut(DISCARD).execute("--from", from.toString(), "--to", to.toString(),
                    "--bootstrap", kafka.bootstrapServers(), "--registry", registry.url(), "--usage-topic", INGEST_TOPIC,
                    "--out", reports.toString());
            if (exit != 0) {
                throw new IllegalStateException("ledger audit exited with " + exit);
            }
            replays.add(audit.readPerSecond());
            return settings.events() / ((System.nanoTime() - started) / 1e9);
        });
        report.rate("ledger audit, whole command", "from start-up to the report files written", runs);
        double[] replay = replays.subList(replays.size() - runs.length, replays.size()).stream().mapToDouble(Double::doubleValue).toArray();
        SuiteReport.Rate audit = report.rate("ledger audit, replay", "reading and recomputing (validate, dedupe, rate, totals per"
                + " scope, digests, one CSV row per event), timed as the raw read", replay);
        double ratio = audit.median() / rawReadRate;
        report.goal("ledger audit vs raw consumer read", ">= 0.50", String.format("%.2f", ratio), ratio >= 0.5);
    }

    /**
     * Runs the measurement once unrecorded (the JIT compiles its paths, connections open), as
     * {@code ledger bench topology} does, then {@code --repeats} times recorded.
     */
    private double[] repeat(String what, Measurement<Double> measurement) throws Exception {
        step("%s: warm-up run, not recorded", what);
        step("%s: warm-up %,.0f events/s", what, measurement.run());
        double[] runs = new double[settings.repeats()];
        for (int r = 0; r < runs.length; r++) {
            step("%s: run %d of %d", what, r + 1, runs.length);
            runs[r] = measurement.run();
            step("%s: %,.0f events/s", what, runs[r]);
        }
        return runs;
    }

    private double rawProduce(String bootstrap, List<Encoded> records) {
        long started = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            for (Encoded record : records) {
                producer.send(new ProducerRecord<>(RAW_TOPIC, null, record.timestamp(), record.key(), record.value()));
            }
            producer.flush();
        }
        return records.size() / ((System.nanoTime() - started) / 1e9);
    }

    private double rawConsume(String bootstrap) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(INGEST_TOPIC).stream()
                    .map(p -> new TopicPartition(INGEST_TOPIC, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long end = consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
            long started = System.nanoTime();
            long read = 0;
            while (read < end) {
                read += consumer.poll(Duration.ofMillis(100)).count();
            }
            return read / ((System.nanoTime() - started) / 1e9);
        }
    }

    /** The ingest events generated once: encoded for Kafka (key, timestamp, Avro bytes) and as the peer stores them. */
    private record Generated(List<Encoded> encoded, List<PostgresPeer.PeerEvent> peerEvents) {
    }

    /** One encoded usage record. */
    private record Encoded(String key, long timestamp, byte[] value) {
    }

    private Generated generate(RestSchemaRegistryClient client) {
        step("generating and serializing %,d events (seed %d)", settings.events(), settings.workload().seed());
        AvroSerializer<UsageEvent> serializer = new AvroSerializer<>(client, true, false);
        List<Encoded> encoded = new ArrayList<>(settings.events());
        List<PostgresPeer.PeerEvent> peerEvents = new ArrayList<>(settings.events());
        for (int i = 0; i < settings.events(); i++) {
            Workload.Call call = settings.workload().call(i);
            UsageEvent event = call.event();
            encoded.add(new Encoded(event.getTenantId(), event.getOccurredAt().toEpochMilli(), serializer.serialize(INGEST_TOPIC, event)));
            peerEvents.add(call.forPeer());
        }
        return new Generated(encoded, peerEvents);
    }

    private void preload(String bootstrap, List<Encoded> records) {
        step("pre-loading %s with %,d events", INGEST_TOPIC, records.size());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024), new StringSerializer(),
                new ByteArraySerializer())) {
            for (Encoded record : records) {
                producer.send(new ProducerRecord<>(INGEST_TOPIC, null, record.timestamp(), record.key(), record.value()));
            }
            producer.flush();
        }
    }

    private void publishBooks(String bootstrap, RestSchemaRegistryClient client) {
        try (KafkaProducer<String, PriceChange> prices = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new AvroSerializer<>(client, true, false));
             KafkaProducer<String, BudgetPolicy> policies = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                     new StringSerializer(), new AvroSerializer<>(client, true, false))) {
            for (PriceChange price : settings.workload().prices()) {
                prices.send(new ProducerRecord<>(LedgerTopics.PRICES, PriceBook.topicKey(price.getProvider(), price.getModel(),
                        price.getEffectiveFrom().toEpochMilli()), price));
            }
            for (BudgetPolicy policy : settings.workload().policies()) {
                policies.send(new ProducerRecord<>(LedgerTopics.POLICIES, policy.getPolicyId(), policy));
            }
        }
    }

    private void createTopics(String bootstrap) {
        List<TopicSpec> topics = new ArrayList<>(LedgerTopics.all(settings.partitions()));
        topics.add(new TopicSpec(INGEST_TOPIC, settings.partitions(), Map.of("retention.ms", "-1")));
        topics.add(new TopicSpec(RAW_TOPIC, settings.partitions(), Map.of("retention.ms", "-1")));
        topics.add(new TopicSpec(INGEST_RATED_TOPIC, settings.partitions(), Map.of("retention.ms", "-1")));
        topics.add(new TopicSpec(INGEST_SEEDS_TOPIC, settings.partitions(), Map.of("retention.ms", "-1")));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicAdmin.ensure(admin, topics);
        }
    }

    private Optional<PostgresPeer> startPeer(Path work) throws Exception {
        if (!settings.postgres()) {
            report.skipped("PostgreSQL peer", "turned off with --no-postgres");
            step("SKIPPED postgres peer: turned off with --no-postgres");
            return Optional.empty();
        }
        Path dir = Files.createTempDirectory("ledger-bench-postgres");
        Optional<PostgresPeer> peer = PostgresPeer.start(dir, out);
        if (peer.isEmpty()) {
            report.skipped("PostgreSQL peer", "could not start a private PostgreSQL server (see the SKIPPED line of the output);"
                    + " install the distribution's postgresql package to include it");
        }
        return peer;
    }

    private java.net.URI awaitRunning(LedgerService ledger) {
        Await.until(() -> ledger.streams().state() == KafkaStreams.State.RUNNING, Duration.ofMinutes(2), "the ledger service to run");
        return ledger.apiUri();
    }

    private void step(String format, Object... args) {
        out.printf("bench: " + format + "%n", args);
        out.flush();
    }

    /** A measurement that may fail. */
    @FunctionalInterface
    private interface Measurement<T> {
        T run() throws Exception;
    }
}
