package dev.usageledger.query.webhooks;

import dev.usageledger.query.MissingTopics;
import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.serde.AvroDeserializer;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/** Breach webhooks: the tenants' webhooks and their deliveries, and the dispatcher that delivers. */
public final class Webhooks implements AutoCloseable {
    /** Where webhooks and deliveries are kept, and how deliveries are made. */
    public record Settings(String webhooksTopic, String deliveriesTopic, String breachesTopic, String groupId, boolean allowPrivateTargets,
                           Dispatcher.Retry retry) {
    }

    private final WebhookBook book;
    private final Dispatcher dispatcher;
    private final Admin admin;
    private final Targets targets;
    private final String breachesTopic;

    private Webhooks(WebhookBook book, Dispatcher dispatcher, Admin admin, Targets targets, String breachesTopic) {
        this.book = book;
        this.dispatcher = dispatcher;
        this.admin = admin;
        this.targets = targets;
        this.breachesTopic = breachesTopic;
    }

    /** Reads the webhooks and deliveries topics and starts delivering; {@code producer} writes both (acks=all). */
    public static Webhooks start(Map<String, Object> clientSettings, Producer<String, byte[]> producer, AvroDeserializer<BudgetBreach> breaches,
                                 Settings settings, Clock clock) {
        Admin admin = Admin.create(new HashMap<>(clientSettings));
        MissingTopics.ensure(admin, List.of(MissingTopics.compacted(settings.webhooksTopic()),
                MissingTopics.compacted(settings.deliveriesTopic())), "webhook");
        WebhookBook book = new WebhookBook(new CompactedView(settings.webhooksTopic(), clientSettings, producer, null),
                new CompactedView(settings.deliveriesTopic(), clientSettings, producer, null));
        Targets targets = new Targets(settings.allowPrivateTargets());
        Dispatcher dispatcher = new Dispatcher(clientSettings, settings.groupId(), settings.breachesTopic(), breaches, book, targets,
                settings.retry(), clock);
        return new Webhooks(book, dispatcher, admin, targets, settings.breachesTopic());
    }

    public Targets targets() {
        return targets;
    }

    public Webhook get(String tenantId, String webhookId) {
        return book.get(tenantId, webhookId);
    }

    public List<Webhook> of(String tenantId) {
        return book.of(tenantId);
    }

    public List<Delivery> deliveries(String tenantId, String webhookId) {
        return book.deliveries(tenantId, webhookId);
    }

    /**
     * Writes the webhook; a new one receives the breaches written after this moment (an existing
     * one keeps its start). True once this instance holds it.
     */
    public boolean put(Webhook webhook, Duration wait) throws Exception {
        Webhook existing = book.get(webhook.tenantId(), webhook.webhookId());
        Map<Integer, Long> from = existing != null ? existing.fromOffsets() : endOffsets(wait);
        String created = existing != null ? existing.createdAt() : webhook.updatedAt();
        return book.put(new Webhook(webhook.tenantId(), webhook.webhookId(), webhook.url(), webhook.secret(), webhook.thresholds(),
                webhook.policies(), webhook.format(), from, created, webhook.updatedAt()), wait);
    }

    public boolean delete(String tenantId, String webhookId, Duration wait) throws Exception {
        return book.delete(tenantId, webhookId, wait);
    }

    private Map<Integer, Long> endOffsets(Duration wait) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(breachesTopic)).allTopicNames().get(wait.toMillis(), TimeUnit.MILLISECONDS).get(breachesTopic)
                .partitions().forEach(p -> latest.put(new TopicPartition(breachesTopic, p.partition()), OffsetSpec.latest()));
        Map<Integer, Long> ends = new HashMap<>();
        admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(wait.toMillis(), TimeUnit.MILLISECONDS)
                .forEach((partition, info) -> ends.put(partition.partition(), info.offset()));
        return ends;
    }

    @Override
    public void close() {
        dispatcher.close();
        book.close();
        admin.close(Duration.ofSeconds(1));
    }
}
