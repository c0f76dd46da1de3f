package dev.usageledger.producer;

import dev.usageledger.producer.internal.EventCodec;
import dev.usageledger.producer.internal.Spool;
import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.registry.SchemaRegistryClient;
import dev.usageledger.schemas.registry.SchemaRegistryException;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.schemas.validation.ImportHeader;
import dev.usageledger.schemas.validation.UsageEventRules;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes usage events to the ledger without losing or double-counting one.
 *
 * <p>{@link #publish} validates the event, fills a time-ordered {@code event_id} and
 * {@code occurred_at} when missing, and sends it keyed by tenant with an idempotent,
 * {@code acks=all} producer, blocking its caller at most {@code ledger.publish.max.block.ms}.
 * When Kafka or the registry cannot take the event, it goes to a durable local {@link Spool}
 * and is re-sent, in order, when they are back; from then on new events queue behind it until
 * the spool is empty. {@link #close} drains within its timeout and leaves the rest in the spool
 * for the next client on that directory. Re-sending is safe because the ledger counts an
 * {@code event_id} once.
 *
 * <pre>{@code
 * try (LedgerProducer ledger = LedgerProducer.builder().config(Map.of(
 *         "bootstrap.servers", "localhost:9092", "schema.registry.url", "http://localhost:8081",
 *         "ledger.spool.dir", "/var/lib/gateway/ledger-spool")).build()) {
 *     ledger.publish(UsageEvents.newEvent("acme", Instant.now()).setModel("gpt-4.1-mini")
 *             .setInputTokens(1200).setOutputTokens(300).build());
 * }
 * }</pre>
 */
public final class LedgerProducer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerProducer.class);

    private final String topic;
    private final InstantSource clock;
    private final UsageEventRules rules;
    private final KafkaProducer<String, UsageEvent> producer;
    private final SchemaRegistryClient registry;
    private final Spool spool;
    private final EventCodec codec = new EventCodec();
    private final Duration spoolFullWait;
    private final Duration closeTimeout;
    private final Duration streamIdleTimeout;
    private final long resendIntervalMs;
    private final Set<StreamingCall> openStreams = ConcurrentHashMap.newKeySet();
    private final ExecutorService spooler = Executors.newSingleThreadExecutor(r -> daemon(r, "ledger-producer-spooler"));
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "ledger-producer-resender"));
    private final AtomicBoolean queueBehindSpool = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder published = new LongAdder();
    private final LongAdder spooled = new LongAdder();
    private final LongAdder resent = new LongAdder();
    private final LongAdder failed = new LongAdder();

    private LedgerProducer(LedgerProducerConfig config, InstantSource clock, Map<String, Object> producerOverrides) {
        this.topic = config.getString(LedgerProducerConfig.TOPIC_CONFIG);
        this.clock = clock;
        this.rules = new UsageEventRules(Duration.ofMillis(config.getLong(LedgerProducerConfig.MAX_FUTURE_SKEW_MS_CONFIG)));
        this.spoolFullWait = Duration.ofMillis(config.getLong(LedgerProducerConfig.SPOOL_FULL_WAIT_MS_CONFIG));
        this.closeTimeout = Duration.ofMillis(config.getLong(LedgerProducerConfig.CLOSE_TIMEOUT_MS_CONFIG));
        this.streamIdleTimeout = Duration.ofMillis(config.getLong(LedgerProducerConfig.STREAM_IDLE_TIMEOUT_MS_CONFIG));
        this.resendIntervalMs = config.getLong(LedgerProducerConfig.RESEND_INTERVAL_MS_CONFIG);
        this.spool = new Spool(Path.of(config.getString(LedgerProducerConfig.SPOOL_DIR_CONFIG)),
                config.getLong(LedgerProducerConfig.SPOOL_MAX_BYTES_CONFIG),
                "always".equals(config.getString(LedgerProducerConfig.SPOOL_FSYNC_CONFIG)), EventCodec.WRITER_SCHEMA);
        this.registry = RestSchemaRegistryClient.create(config.originals());
        this.producer = new KafkaProducer<>(producerConfig(config, producerOverrides), new StringSerializer(),
                new AvroSerializer<>(registry, true, false));
        queueBehindSpool.set(!spool.isEmpty());
        background.scheduleWithFixedDelay(this::resendSafely, 0, resendIntervalMs, TimeUnit.MILLISECONDS);
        background.scheduleWithFixedDelay(this::sweepIdleStreams, 1, 1, TimeUnit.SECONDS);
    }

    /** A builder; {@link Builder#config} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Publishes one usage event. Returns at once; the future completes when the event is durable:
     * acknowledged by Kafka (the receipt has its partition and offset) or written to the spool
     * (the receipt says {@code spooled}; the event is re-sent when Kafka is back). It fails only
     * when the event was not accepted: {@link SpoolFullException}, or {@link PublishException}
     * when Kafka refused it for good.
     *
     * @throws InvalidUsageEventException when the event breaks a ledger rule; nothing is sent
     * @throws IllegalStateException after {@link #close}
     */
    public CompletableFuture<PublishReceipt> publish(UsageEvent event) {
        if (closed.get()) {
            throw new IllegalStateException("the ledger producer is closed");
        }
        return send(withDefaults(event));
    }

    /**
     * Publishes one event of imported history: marked with the {@code ledger-import} header naming
     * {@code importName}, so the ledger counts it in its own period whatever its age (as long as it
     * keeps that period's reports), not only within the late grace. The future completes when
     * Kafka has acknowledged the event. History is never spooled: when Kafka cannot take it the
     * future fails, and the import is run again (the ledger counts each event id once).
     *
     * @throws InvalidUsageEventException when the event breaks a ledger rule; nothing is sent
     * @throws IllegalStateException after {@link #close}
     */
    public CompletableFuture<PublishReceipt> publishHistory(UsageEvent event, String importName) {
        if (closed.get()) {
            throw new IllegalStateException("the ledger producer is closed");
        }
        UsageEvent complete = withDefaults(event);
        requireValid(complete);
        CompletableFuture<PublishReceipt> receipt = new CompletableFuture<>();
        RecordHeaders headers = new RecordHeaders();
        headers.add(ImportHeader.NAME, ImportHeader.value(importName));
        try {
            producer.send(new ProducerRecord<>(topic, null, complete.getTenantId(), complete, headers), (metadata, error) -> {
                if (error == null) {
                    published.increment();
                    receipt.complete(receipt(complete, metadata));
                } else {
                    historyRefused(complete, receipt, error);
                }
            });
        } catch (KafkaException e) {
            historyRefused(complete, receipt, e);
        }
        return receipt;
    }

    private void historyRefused(UsageEvent event, CompletableFuture<PublishReceipt> receipt, Throwable error) {
        failed.increment();
        receipt.completeExceptionally(new PublishException("history event " + event.getEventId() + " was not accepted: " + error.getMessage()
                + "; run the import again once Kafka takes it (events already counted are not counted twice)", error));
    }

    /** @throws InvalidUsageEventException when the event breaks a ledger rule */
    private void requireValid(UsageEvent complete) {
        rules.firstViolation(complete, clock.instant()).ifPresent(v -> {
            throw new InvalidUsageEventException(v);
        });
    }

    private CompletableFuture<PublishReceipt> send(UsageEvent complete) {
        requireValid(complete);
        CompletableFuture<PublishReceipt> receipt = new CompletableFuture<>();
        if (queueBehindSpool.get()) {
            spoolNow(complete, receipt);
            return receipt;
        }
        try {
            producer.send(new ProducerRecord<>(topic, complete.getTenantId(), complete), (metadata, error) -> {
                if (error == null) {
                    published.increment();
                    receipt.complete(receipt(complete, metadata));
                } else {
                    onSendFailure(complete, receipt, error);
                }
            });
        } catch (KafkaException e) {
            onSendFailure(complete, receipt, e);
        }
        return receipt;
    }

    /**
     * Starts a streamed call whose single usage event is built from {@code template} (tenant,
     * user, model and so on; token counts are what the stream reports).
     */
    public StreamingCall startStream(UsageEvent template) {
        UsageEvent complete = withDefaults(template);
        requireValid(complete);
        StreamingCall call = new StreamingCall(complete, clock.instant(), (c, event) -> {
            openStreams.remove(c);
            return send(event);
        });
        openStreams.add(call);
        return call;
    }

    /** Publishes every open streamed call idle for longer than the timeout as cancelled. */
    void sweepIdleStreams() {
        Instant now = clock.instant();
        for (StreamingCall call : List.copyOf(openStreams)) {
            if (!call.lastActivity().plus(streamIdleTimeout).isAfter(now)) {
                LOG.warn("streamed call {} idle for {}; publishing it as cancelled", call.eventId(), streamIdleTimeout);
                call.end(UsageStatus.cancelled, now);
            }
        }
    }

    /** The client's counters now. */
    public ProducerMetrics metrics() {
        long oldest = spool.oldestSpooledAtMillis();
        return new ProducerMetrics(published.sum(), spooled.sum(), resent.sum(), failed.sum(), spool.depth(),
                oldest < 0 ? 0 : Math.max(0, clock.millis() - oldest));
    }

    private void onSendFailure(UsageEvent event, CompletableFuture<PublishReceipt> receipt, Throwable error) {
        if (isDefinitiveRefusal(error)) {
            failed.increment();
            receipt.completeExceptionally(new PublishException("event " + event.getEventId() + " was refused: "
                    + error.getMessage(), error));
        } else {
            queueBehindSpool.set(true);
            // Never on the Kafka I/O thread: a spool write may fsync or wait for room.
            spooler.execute(() -> spoolNow(event, receipt));
        }
    }

    private void spoolNow(UsageEvent event, CompletableFuture<PublishReceipt> receipt) {
        try {
            spool.append(codec.encode(event), clock.millis(), spoolFullWait);
            spooled.increment();
            receipt.complete(PublishReceipt.spooled(event.getEventId(), topic));
        } catch (RuntimeException e) {
            failed.increment();
            receipt.completeExceptionally(e);
        }
    }

    private void resendSafely() {
        try {
            resend();
        } catch (RuntimeException e) {
            LOG.warn("re-sending spooled events failed; retrying in {} ms: {}", resendIntervalMs, e.toString());
        }
    }

    /** Sends the oldest spooled segment; deletes it only when Kafka acknowledged all of it. */
    private synchronized void resend() {
        while (true) {
            var segment = spool.oldest();
            if (segment.isEmpty()) {
                queueBehindSpool.set(false);
                // Events spooled between the check and the flag flip are picked up next round.
                return;
            }
            List<UsageEvent> events = segment.get().entries().stream()
                    .map(e -> codec.decode(segment.get().writerSchema(), e.bytes())).toList();
            List<CompletableFuture<RecordMetadata>> acks = events.stream().map(this::sendForResend).toList();
            producer.flush();
            for (int i = 0; i < events.size(); i++) {
                if (acks.get(i).isCompletedExceptionally()) {
                    LOG.info("spool segment not fully sent ({}); keeping it", acks.get(i).exceptionNow().toString());
                    return;
                }
            }
            // Counted before the segment goes, so depth 0 never shows with the re-sends uncounted.
            resent.add(events.size());
            spool.delete(segment.get());
        }
    }

    private CompletableFuture<RecordMetadata> sendForResend(UsageEvent event) {
        CompletableFuture<RecordMetadata> ack = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, event.getTenantId(), event), (metadata, error) -> {
                if (error == null) {
                    ack.complete(metadata);
                } else {
                    ack.completeExceptionally(error);
                }
            });
        } catch (KafkaException e) {
            ack.completeExceptionally(e);
        }
        return ack;
    }

    /**
     * Stops: ends open streamed calls as cancelled, sends what it can within the close timeout,
     * and leaves the rest in the spool for the next client on the same directory.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        Instant now = clock.instant();
        for (StreamingCall call : List.copyOf(openStreams)) {
            call.end(UsageStatus.cancelled, now);
        }
        // One last pass over the spool; closing the producer below aborts it if Kafka is away.
        background.execute(this::resendSafely);
        background.shutdown();
        awaitQuietly(background, remaining(deadline).dividedBy(2));
        producer.close(remaining(deadline).dividedBy(2));
        spooler.shutdown();
        awaitQuietly(spooler, remaining(deadline).plusSeconds(5));
        if (!spool.isEmpty()) {
            LOG.warn("ledger producer closed with {} event(s) in the spool at {}; the next client on that directory sends them",
                    spool.depth(), spool.directory());
        }
        spool.close();
        registry.close();
    }

    private UsageEvent withDefaults(UsageEvent event) {
        if (event.getEventId() != null && event.getOccurredAt() != null && event.getStatus() != null
                && event.getTeamIds() != null && event.getAttributes() != null && event.getBillingScope() != null) {
            return event;
        }
        Instant now = clock.instant();
        UsageEvent copy = new UsageEvent();
        for (int field = 0; field < UsageEvent.getClassSchema().getFields().size(); field++) {
            copy.put(field, event.get(field));
        }
        if (copy.getEventId() == null) {
            copy.setEventId(UsageEvents.uuidV7(now).toString());
        }
        if (copy.getOccurredAt() == null) {
            copy.setOccurredAt(now);
        }
        if (copy.getStatus() == null) {
            copy.setStatus(UsageStatus.ok);
        }
        if (copy.getTeamIds() == null) {
            copy.setTeamIds(List.of());
        }
        if (copy.getAttributes() == null) {
            copy.setAttributes(Map.of());
        }
        if (copy.getBillingScope() == null) {
            copy.setBillingScope(BillingScope.tenant);
        }
        return copy;
    }

    private PublishReceipt receipt(UsageEvent event, RecordMetadata metadata) {
        return PublishReceipt.sent(event.getEventId(), metadata.topic(), metadata.partition(), metadata.offset());
    }

    /**
     * Whether Kafka or the registry refused the event for good (too large, not authorized, an
     * incompatible schema). Anything else — an outage, a timeout, a send aborted by close — is
     * not a verdict on the event, so the event goes to the spool.
     */
    private static boolean isDefinitiveRefusal(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RetriableException || t instanceof SchemaRegistryException registryError && registryError.isRetriable()) {
                return false;
            }
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ApiException || t instanceof SchemaRegistryException || t instanceof SerializationException) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, Object> producerConfig(LedgerProducerConfig config, Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>(config.originalsWithPrefix(LedgerProducerConfig.PRODUCER_PREFIX));
        props.putAll(overrides);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getList(LedgerProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, config.getLong(LedgerProducerConfig.MAX_BLOCK_MS_CONFIG));
        int delivery = config.getInt(LedgerProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, delivery);
        props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(delivery - 5, 10_000));
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "ledger-producer");
        return props;
    }

    private static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    private static void awaitQuietly(ExecutorService executor, Duration timeout) {
        try {
            executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    /** Builds a {@link LedgerProducer} from documented configuration (see {@link LedgerProducerConfig}). */
    public static final class Builder {
        private Map<String, ?> config;
        private InstantSource clock = InstantSource.system();

        private Builder() {
        }

        /** The configuration; validated eagerly by {@link #build}. */
        public Builder config(Map<String, ?> config) {
            this.config = Map.copyOf(config);
            return this;
        }

        /** The clock for filled-in {@code occurred_at}, skew checks and stream idle timeouts. */
        public Builder clock(InstantSource clock) {
            this.clock = clock;
            return this;
        }

        public LedgerProducer build() {
            if (config == null) {
                throw new IllegalStateException("LedgerProducer.builder().config(...) is required");
            }
            return new LedgerProducer(new LedgerProducerConfig(config), clock, Map.of());
        }
    }
}
