package dev.usageledger.query.webhooks;

import dev.usageledger.query.api.Views;
import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.serde.AvroDeserializer;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers every breach to every webhook of its tenant that matches it, at least once, in the
 * order of the breaches topic. A consumer group of the service's instances reads the topic
 * {@code read_committed}; each partition's breaches are taken one after another, and the group's
 * offset moves past a breach only once every matching webhook has answered 2xx or its retries ran
 * out (exponential backoff, up to the give-up age): so a crash or a rebalance loses nothing. Each
 * attempt's outcome is recorded on the deliveries topic before the offset moves, and a breach a
 * webhook already received is not sent to it again by the instance that takes over.
 *
 * <p>Each webhook takes its breaches in order; one that is down holds back only its own later
 * breaches (and the group's offset, which waits for the oldest unfinished breach: up to
 * {@value #MAX_QUEUED} breaches per partition are held meanwhile, then reading pauses).
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RECORD_WAIT = Duration.ofSeconds(10);
    /** Breaches held per partition before reading pauses: those behind a webhook that is down wait here, the others go on. */
    private static final int MAX_QUEUED = 10_000;

    /** Backoff: the first retry after {@code initial}, doubling up to {@code max}; given up after {@code giveUpAfter}. */
    public record Retry(Duration initial, Duration max, Duration giveUpAfter) {
    }

    private record Breach(ConsumerRecord<String, byte[]> record, BudgetBreach breach, String breachId) {
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<BudgetBreach> deserializer;
    private final WebhookBook book;
    private final Targets targets;
    private final Retry retry;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final Map<TopicPartition, ArrayDeque<Breach>> queues = new HashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    public Dispatcher(Map<String, Object> clientSettings, String groupId, String breachesTopic, AvroDeserializer<BudgetBreach> deserializer,
                      WebhookBook book, Targets targets, Retry retry, Clock clock) {
        this.deserializer = deserializer;
        this.book = book;
        this.targets = targets;
        this.retry = retry;
        this.clock = clock;
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"); // each webhook takes only breaches after its creation
        settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
        consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(breachesTopic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                partitions.forEach(queues::remove);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                try { // what the previous owner recorded must be known before deciding what to send again
                    if (!book.awaitDeliveries(Duration.ofSeconds(30))) {
                        LOG.warn("the deliveries topic was not read to its end within 30 s; a breach may be delivered twice");
                    }
                } catch (Exception e) {
                    LOG.warn("could not read the deliveries topic to its end ({}); a breach may be delivered twice", e.toString());
                }
            }
        });
        thread = Thread.ofPlatform().name("ledger-webhooks").daemon().start(this::run);
    }

    private void run() {
        try {
            while (!closed) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    BudgetBreach breach = deserializer.deserialize(record.topic(), record.value());
                    if (breach != null) {
                        queues.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), p -> new ArrayDeque<>())
                                .add(new Breach(record, breach, breachId(breach)));
                    }
                }
                for (Map.Entry<TopicPartition, ArrayDeque<Breach>> queue : queues.entrySet()) {
                    drain(queue.getKey(), queue.getValue());
                }
                for (Map.Entry<TopicPartition, ArrayDeque<Breach>> queue : queues.entrySet()) {
                    if (queue.getValue().size() >= MAX_QUEUED) {
                        consumer.pause(List.of(queue.getKey()));
                    } else if (consumer.paused().contains(queue.getKey())) {
                        consumer.resume(List.of(queue.getKey()));
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("webhook delivery stopped; breaches are delivered again from the last committed one after a restart", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Attempts the partition's queued breaches in order, each webhook taking its breaches one after
     * another (a webhook with an earlier breach unfinished waits; the others go on), and commits
     * past the breaches finished for every webhook at the head of the queue.
     */
    private void drain(TopicPartition partition, ArrayDeque<Breach> queue) {
        Set<String> waiting = new HashSet<>(); // webhooks whose earlier breach is not finished: their later ones wait
        Map<String, List<Webhook>> webhooksOf = new HashMap<>();
        boolean headFinished = true;
        int finishedHead = 0;
        for (Breach breach : queue) {
            if (closed) {
                break;
            }
            List<Webhook> webhooks = webhooksOf.computeIfAbsent(breach.breach().getTenantId(), book::of);
            boolean finished = deliverAll(breach, webhooks, waiting);
            if (finished && headFinished) {
                finishedHead++;
            } else {
                headFinished = false;
            }
        }
        if (finishedHead > 0) {
            long next = 0;
            for (int i = 0; i < finishedHead; i++) {
                next = queue.poll().record().offset() + 1;
            }
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(next)));
        }
    }

    /** Attempts the breach on every matching webhook not waiting and due; whether it is finished for all. */
    private boolean deliverAll(Breach head, List<Webhook> webhooks, Set<String> waiting) {
        boolean finished = true;
        for (Webhook webhook : webhooks) {
            if (!webhook.matches(head.breach(), head.record().partition(), head.record().offset())) {
                continue;
            }
            String key = Webhook.key(webhook.tenantId(), webhook.webhookId());
            Delivery delivery = book.delivery(webhook.tenantId(), webhook.webhookId(), head.breachId());
            if (delivery != null && delivery.finished()) {
                continue;
            }
            Instant now = clock.instant();
            if (waiting.contains(key) || delivery != null && delivery.nextRetryAt() != null
                    && now.isBefore(Instant.parse(delivery.nextRetryAt()))) {
                waiting.add(key);
                finished = false;
                continue;
            }
            Delivery after = attempt(webhook, head, delivery == null ? new Delivery(webhook.tenantId(), webhook.webhookId(), head.breachId(),
                    head.record().partition(), head.record().offset(), Delivery.PENDING, List.of(), null) : delivery, now);
            try {
                book.record(after, RECORD_WAIT);
            } catch (Exception e) {
                LOG.warn("could not record the delivery of {} to webhook {} ({}); it is attempted again", head.breachId(),
                        webhook.webhookId(), e.toString());
                waiting.add(key);
                finished = false;
                continue;
            }
            if (!after.finished()) {
                waiting.add(key);
                finished = false;
            }
        }
        return finished;
    }

    private Delivery attempt(Webhook webhook, Breach head, Delivery delivery, Instant now) {
        Integer status = null;
        String error = null;
        try {
            URI target = targets.check(webhook.url());
            byte[] body = body(webhook, head);
            long timestamp = now.getEpochSecond();
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(target).timeout(ATTEMPT_TIMEOUT)
                    .header("Content-Type", "application/json")
                    .header("webhook-id", head.breachId())
                    .header("webhook-timestamp", Long.toString(timestamp))
                    .header("webhook-signature", Signatures.sign(webhook.secret(), head.breachId(), timestamp, body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
            status = response.statusCode();
        } catch (IllegalArgumentException e) {
            error = "refused: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        } catch (Exception e) {
            error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        Delivery.Attempt attempt = new Delivery.Attempt(now.toString(), status, error);
        if (status != null && status >= 200 && status < 300) {
            return delivery.with(attempt, Delivery.DELIVERED, null);
        }
        Instant first = delivery.attempts().isEmpty() ? now : Instant.parse(delivery.attempts().getFirst().at());
        int failures = delivery.attempts().size() + 1;
        Duration wait = retry.initial().multipliedBy(1L << Math.min(failures - 1, 30));
        Instant next = now.plus(wait.compareTo(retry.max()) > 0 ? retry.max() : wait);
        if (!next.isBefore(first.plus(retry.giveUpAfter()))) {
            LOG.warn("webhook {} of tenant {} did not take breach {} within {}; given up", webhook.webhookId(), webhook.tenantId(),
                    head.breachId(), retry.giveUpAfter());
            return delivery.with(attempt, Delivery.FAILED, null);
        }
        return delivery.with(attempt, Delivery.PENDING, next.toString());
    }

    /** The standard event ({@code type}, {@code timestamp}, {@code data}: the breach), or Slack's {@code {"text": ...}}. */
    static byte[] body(Webhook webhook, Breach head) {
        BudgetBreach breach = head.breach();
        Map<String, Object> body = new LinkedHashMap<>();
        if (Webhook.SLACK.equals(webhook.format())) {
            body.put("text", String.format("Budget %s of tenant %s: %s %s crossed %d%% of its limit (%s of %s) in the period from %s%s",
                    breach.getPolicyId(), breach.getTenantId(), breach.getSubject().getType(), breach.getSubject().getId(),
                    breach.getThreshold(), amount(breach.getMetric().name(), breach.getUsedAtCrossing()),
                    amount(breach.getMetric().name(), breach.getLimit()), breach.getPeriodStart(),
                    breach.getFoundByImport() ? " (found by an import of past usage)" : ""));
        } else {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("breach_id", head.breachId());
            data.put("tenant_id", breach.getTenantId());
            data.putAll(Views.breach(breach));
            body.put("type", "budget.breach");
            body.put("timestamp", breach.getDecidedAt().toString());
            body.put("data", data);
        }
        return WebhookBook.bytes(body);
    }

    /** A cost as dollars and cents of micro-units (exact, no binary fraction); other metrics as counts. */
    private static String amount(String metric, long value) {
        return metric.equals("cost_micros") ? "$" + BigDecimal.valueOf(value, 6).stripTrailingZeros().toPlainString()
                : String.format("%,d %s", value, metric.replace('_', ' '));
    }

    /** The breach's stable id: the same for the same policy, member, period and threshold, whoever reads it. */
    public static String breachId(BudgetBreach breach) {
        String identity = String.join("\u0000", breach.getTenantId(), breach.getPolicyId(), breach.getSubject().getType().name(),
                breach.getSubject().getId(), Long.toString(breach.getPeriodStart().toEpochMilli()), Integer.toString(breach.getThreshold()));
        try {
            return "brk_" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8)),
                    0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
