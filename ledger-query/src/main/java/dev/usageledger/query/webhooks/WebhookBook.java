package dev.usageledger.query.webhooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The tenants' webhooks (on a compacted topic, held in memory by every instance) and every
 * delivery's state (another compacted topic, the same way): what the API lists and what the
 * dispatcher consults before delivering, so no instance delivers again what one delivered before.
 */
public final class WebhookBook implements AutoCloseable {
    static final ObjectMapper JSON = JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    private final CompactedView webhooks;
    private final CompactedView deliveries;

    WebhookBook(CompactedView webhooks, CompactedView deliveries) {
        this.webhooks = webhooks;
        this.deliveries = deliveries;
    }

    /** Writes the webhook; true once this instance holds it (within {@code wait}). */
    public boolean put(Webhook webhook, Duration wait) throws Exception {
        return webhooks.write(Webhook.key(webhook.tenantId(), webhook.webhookId()), bytes(webhook), wait);
    }

    /** Deletes the webhook; its deliveries stop (one under way may finish). */
    public boolean delete(String tenantId, String webhookId, Duration wait) throws Exception {
        return webhooks.write(Webhook.key(tenantId, webhookId), null, wait);
    }

    public Webhook get(String tenantId, String webhookId) {
        byte[] value = webhooks.get(Webhook.key(tenantId, webhookId));
        return value == null ? null : read(value, Webhook.class);
    }

    /** The tenant's webhooks, by id. */
    public List<Webhook> of(String tenantId) {
        List<Webhook> found = new ArrayList<>();
        for (Map.Entry<String, byte[]> entry : webhooks.all().entrySet()) {
            if (entry.getKey().startsWith(tenantId + '\u0000')) {
                found.add(read(entry.getValue(), Webhook.class));
            }
        }
        found.sort(Comparator.comparing(Webhook::webhookId));
        return found;
    }

    /** The webhook's deliveries, in the order of the breaches. */
    public List<Delivery> deliveries(String tenantId, String webhookId) {
        String prefix = tenantId + '\u0000' + webhookId + '\u0000';
        List<Delivery> found = new ArrayList<>();
        for (Map.Entry<String, byte[]> entry : deliveries.all().entrySet()) {
            if (entry.getKey().startsWith(prefix)) {
                found.add(read(entry.getValue(), Delivery.class));
            }
        }
        found.sort(Comparator.comparingInt(Delivery::partition).thenComparingLong(Delivery::offset));
        return found;
    }

    Delivery delivery(String tenantId, String webhookId, String breachId) {
        byte[] value = deliveries.get(Delivery.key(tenantId, webhookId, breachId));
        return value == null ? null : read(value, Delivery.class);
    }

    /** Records a delivery's state, durable (acknowledged) before it returns. */
    void record(Delivery delivery, Duration wait) throws Exception {
        deliveries.write(Delivery.key(delivery.tenantId(), delivery.webhookId(), delivery.breachId()), bytes(delivery), wait);
    }

    /** Waits until the deliveries recorded so far (by any instance) are held here. */
    boolean awaitDeliveries(Duration wait) throws Exception {
        return deliveries.awaitCaughtUp(wait);
    }

    static byte[] bytes(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(byte[] value, Class<T> type) {
        try {
            return JSON.readValue(value, type);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable " + type.getSimpleName() + " record", e);
        }
    }

    @Override
    public void close() {
        webhooks.close();
        deliveries.close();
    }
}
