package dev.usageledger.query;

import dev.usageledger.query.http.ApiSettings;
import dev.usageledger.query.http.Auth;
import dev.usageledger.query.http.IngestSettings;
import dev.usageledger.query.http.LedgerRoutes;
import dev.usageledger.query.holds.Journals;
import dev.usageledger.query.holds.ReservationDesk;
import dev.usageledger.query.state.BookWriter;
import dev.usageledger.query.state.LedgerState;
import dev.usageledger.query.state.Progress;
import dev.usageledger.query.state.ReportState;
import dev.usageledger.query.state.UsageWriter;
import dev.usageledger.query.webhooks.Dispatcher;
import dev.usageledger.query.webhooks.Webhooks;
import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.LedgerTopology;
import dev.usageledger.streams.ReportingTopology;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.state.PolicyIndexCache;
import io.helidon.webserver.WebServer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of the service's lifecycle: it starts the HTTP server (to learn its port), then
 * the topology advertising that address, and stops both in bounded time. A topology that fails
 * is not restarted here: {@code /health} turns down so that the process supervisor restarts it.
 */
public final class LedgerService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerService.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final int SERVER_MAX_PAYLOAD = 16 * 1024 * 1024;

    private final WebServer server;
    private final KafkaStreams streams;
    private final KafkaStreams reporting;
    private final BookWriter writer;
    private final UsageWriter usage;
    private final Webhooks webhooks;
    private final ReservationDesk desk;
    private final RestSchemaRegistryClient registry;
    private final LedgerState state;
    private final ReportState reports;

    private LedgerService(WebServer server, KafkaStreams streams, KafkaStreams reporting, BookWriter writer, UsageWriter usage,
                          Webhooks webhooks, ReservationDesk desk, RestSchemaRegistryClient registry, LedgerState state,
                          ReportState reports) {
        this.server = server;
        this.streams = streams;
        this.reporting = reporting;
        this.writer = writer;
        this.usage = usage;
        this.webhooks = webhooks;
        this.desk = desk;
        this.registry = registry;
        this.state = state;
        this.reports = reports;
    }

    /** Starts the service; it answers 503 until the local state is restored and running. */
    public static LedgerService start(ServiceConfig config) {
        return start(config, Clock.systemUTC());
    }

    /** Starts the service with the clock that defines "now" for checks and reports. */
    public static LedgerService start(ServiceConfig config, Clock clock) {
        RestSchemaRegistryClient registry = RestSchemaRegistryClient.create(config.originals());
        Progress progress = new Progress();
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        LedgerStreamsConfig streamsConfig = config.streams();
        BookWriter writer = new BookWriter(new KafkaProducer<>(producerProperties(streamsConfig), new StringSerializer(),
                new ByteArraySerializer()), streamsConfig.topics(), new AvroSerializer<BudgetPolicy>(registry, true, false),
                new AvroSerializer<PriceChange>(registry, true, false), new AvroSerializer<HoldEvent>(registry, true, false),
                new AvroSerializer<DirectoryEntry>(registry, true, false),
                Duration.ofMillis(config.getLong(ServiceConfig.BOOK_WAIT_MS_CONFIG)));
        ApiSettings settings = new ApiSettings(config.getInt(ServiceConfig.MAX_BODY_BYTES_CONFIG),
                Duration.ofMillis(config.getLong(ServiceConfig.READ_WAIT_MS_CONFIG)),
                Duration.ofMillis(config.getLong(ServiceConfig.BOOK_WAIT_MS_CONFIG)),
                Duration.ofMillis(config.getLong(ServiceConfig.FORWARD_TIMEOUT_MS_CONFIG)),
                Duration.ofMillis(config.getLong(ServiceConfig.HOLD_TTL_DEFAULT_MS_CONFIG)),
                Duration.ofMillis(streamsConfig.getLong(LedgerStreamsConfig.HOLD_TTL_MAX_MS_CONFIG)), clock,
                config.getInt(ServiceConfig.DEFAULT_WARN_PCT_CONFIG));
        UsageWriter usage = new UsageWriter(new KafkaProducer<>(ingestProducerProperties(streamsConfig, settings.bookWait()), new StringSerializer(),
                new ByteArraySerializer()), streamsConfig.topics().usage(), new AvroSerializer<UsageEvent>(registry, true, false),
                settings.bookWait());
        IngestSettings ingest = new IngestSettings(config.getInt(ServiceConfig.INGEST_MAX_BODY_BYTES_CONFIG),
                config.getInt(ServiceConfig.INGEST_MAX_EVENTS_CONFIG), streamsConfig.maxFutureSkew(),
                config.getString(ServiceConfig.LITELLM_TENANT_FIELD_CONFIG));
        Map<String, Object> clients = new HashMap<>(streamsConfig.clientSecurity());
        clients.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, streamsConfig.getList(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        try (Admin admin = Admin.create(new HashMap<>(clients))) { // topics added after the first release: created when missing
            MissingTopics.ensure(admin, List.of(MissingTopics.compacted(streamsConfig.topics().directory()),
                    MissingTopics.single(streamsConfig.topics().globalUsage(), Map.of("cleanup.policy", "delete",
                            "retention.ms", Long.toString(Duration.ofDays(30).toMillis()))),
                    MissingTopics.single(streamsConfig.topics().globalCounters(), Map.of("cleanup.policy", "compact"))),
                    "key directory and global limit");
        }
        Webhooks webhooks = Webhooks.start(clients, new KafkaProducer<>(producerProperties(streamsConfig), new StringSerializer(),
                new ByteArraySerializer()), new AvroDeserializer<>(BudgetBreach.class, registry), new Webhooks.Settings(
                config.getString(ServiceConfig.WEBHOOKS_TOPIC_CONFIG), config.getString(ServiceConfig.WEBHOOK_DELIVERIES_TOPIC_CONFIG),
                streamsConfig.topics().breaches(), streamsConfig.getString(LedgerStreamsConfig.APPLICATION_ID_CONFIG) + "-webhooks",
                config.getBoolean(ServiceConfig.WEBHOOKS_ALLOW_PRIVATE_CONFIG), new Dispatcher.Retry(
                Duration.ofMillis(config.getLong(ServiceConfig.WEBHOOKS_RETRY_INITIAL_MS_CONFIG)),
                Duration.ofMillis(config.getLong(ServiceConfig.WEBHOOKS_RETRY_MAX_MS_CONFIG)),
                Duration.ofMillis(config.getLong(ServiceConfig.WEBHOOKS_GIVE_UP_MS_CONFIG)))), clock);
        Auth auth = Auth.of(config.tokens());
        PolicyIndexCache policyIndexes = new PolicyIndexCache();
        LiveState live = new LiveState();
        LedgerState state = new LedgerState(progress, policyIndexes, live);
        ReportState reports = new ReportState(streamsConfig.topics().rated());
        ReservationDesk desk = Journals.desk(streamsConfig, registry, state, settings.bookWait());
        state.journalOverlay(desk);
        WebServer server = WebServer.builder()
                .host(config.getString(ServiceConfig.HTTP_HOST_CONFIG))
                .port(config.getInt(ServiceConfig.HTTP_PORT_CONFIG))
                .maxPayloadSize(SERVER_MAX_PAYLOAD)
                .shutdownHook(false)
                .routing(routing -> LedgerRoutes.routes(routing, state, reports, writer, desk, usage, ingest, webhooks, auth,
                        settings, metrics))
                .build()
                .start();
        HostInfo self = new HostInfo(config.advertisedHost(), server.port());
        LedgerStreamsConfig withServer = config.streamsWithServer(server.port());
        KafkaStreams streams = new KafkaStreams(LedgerTopology.build(withServer, registry, progress, policyIndexes, live), withServer.streamsProperties());
        watch(streams, "the topology", "/health reports down", state::topologyChanged, metrics);
        state.attach(streams, self);
        KafkaStreams reporting = new KafkaStreams(ReportingTopology.build(withServer, registry, reports.progress()),
                withServer.reportingProperties());
        watch(reporting, "the reporting part", "reports answer 503", reports::topologyChanged, metrics);
        reports.attach(reporting, self);
        streams.start();
        reporting.start();
        LOG.info("ledger service listening on {} (application.server {})", server.port(), self);
        return new LedgerService(server, streams, reporting, writer, usage, webhooks, desk, registry, state, reports);
    }

    public int port() {
        return server.port();
    }

    public URI apiUri() {
        return URI.create("http://" + state.self().host() + ":" + server.port());
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** The reporting part as the API reads it: routes, report rows, progress. */
    public ReportState reports() {
        return reports;
    }

    /** The reporting part's application, which keeps the report rows from the rated topic. */
    public KafkaStreams reporting() {
        return reporting;
    }

    /** The state the API reads: for in-process callers such as benchmarks of the decision path. */
    public LedgerState state() {
        return state;
    }

    @Override
    public void close() {
        server.stop();
        webhooks.close();
        // Leave the group on the way out: Kafka Streams otherwise stays a member until its session
        // times out (45 s), and an instance restarted in the meantime waits that long for its tasks.
        close(streams, "the topology");
        close(reporting, "the reporting part");
        desk.close();
        writer.close();
        usage.close();
        registry.close();
    }

    /** Logs {@code app}'s state changes and tells {@code changed}; a thread that fails stops the app (it is not replaced). */
    private static void watch(KafkaStreams app, String what, String meanwhile, Runnable changed, PrometheusMeterRegistry metrics) {
        app.setUncaughtExceptionHandler(e -> {
            LOG.error("{} failed and stops; {} until the process is restarted", what, meanwhile, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        app.setStateListener((now, before) -> {
            changed.run();
            LOG.info("{}: state {} -> {}", what, before, now);
        });
        new KafkaStreamsMetrics(app).bindTo(metrics);
    }

    private static void close(KafkaStreams app, String what) {
        if (!app.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(CLOSE_TIMEOUT))) {
            LOG.warn("{} did not stop within {}", what, CLOSE_TIMEOUT);
        }
    }

    /**
     * As {@link #producerProperties}, but a batch of events is many records at once: a few
     * milliseconds of linger fill batches; and a send blocks (for metadata, with the brokers away)
     * no longer than the answer may wait.
     */
    private static Properties ingestProducerProperties(LedgerStreamsConfig config, Duration wait) {
        Properties properties = producerProperties(config);
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, wait.toMillis());
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        return properties;
    }

    private static Properties producerProperties(LedgerStreamsConfig config) {
        Map<String, Object> props = new HashMap<>(config.clientSecurity());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getList(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // each write (a hold request, a policy, a price) is one record a caller waits for: waiting to batch only adds latency
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        Properties properties = new Properties();
        properties.putAll(props);
        return properties;
    }
}
