package dev.usageledger.query.webhooks;

import dev.usageledger.schemas.avro.BudgetBreach;
import java.util.List;
import java.util.Map;

/**
 * Where a tenant's breaches are delivered: a URL, the secret their signatures are made with
 * ({@code whsec_} and base64, as the Standard Webhooks convention writes it), which breaches
 * (thresholds and policies; empty lists match all), and the body: the standard JSON event, or a
 * Slack-compatible {@code {"text": ...}}. {@code fromOffsets} are the breaches topic's end offsets
 * when it was created: it receives the breaches after them.
 */
public record Webhook(String tenantId, String webhookId, String url, String secret, List<Integer> thresholds, List<String> policies,
                      String format, Map<Integer, Long> fromOffsets, String createdAt, String updatedAt) {
    public static final String STANDARD = "standard";
    public static final String SLACK = "slack";

    public Webhook {
        thresholds = thresholds == null ? List.of() : List.copyOf(thresholds);
        policies = policies == null ? List.of() : List.copyOf(policies);
        format = format == null ? STANDARD : format;
        fromOffsets = fromOffsets == null ? Map.of() : Map.copyOf(fromOffsets);
    }

    /** Whether the breach, at {@code offset} of the breaches topic's {@code partition}, is one this webhook asked for. */
    public boolean matches(BudgetBreach breach, int partition, long offset) {
        return offset >= fromOffsets.getOrDefault(partition, 0L) && breach.getTenantId().equals(tenantId) && (thresholds.isEmpty() || thresholds.contains(breach.getThreshold()))
                && (policies.isEmpty() || policies.contains(breach.getPolicyId()));
    }

    /** The key of the webhook on its topic. */
    static String key(String tenantId, String webhookId) {
        return tenantId + '\u0000' + webhookId;
    }
}
