package dev.usageledger.query.webhooks;

import java.util.ArrayList;
import java.util.List;

/**
 * One breach's delivery to one webhook: every attempt, and where it stands. Kept on a compacted
 * topic, so an instance that takes over the breaches' partition (or restarts) knows what was
 * delivered already and does not deliver it twice.
 *
 * @param status {@code pending} (retrying), {@code delivered} (a 2xx answer) or {@code failed}
 *               (no 2xx answer within the retry window)
 */
public record Delivery(String tenantId, String webhookId, String breachId, int partition, long offset, String status,
                       List<Attempt> attempts, String nextRetryAt) {
    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String FAILED = "failed";

    /** One attempt: when, and the HTTP status or the error that stood for one. */
    public record Attempt(String at, Integer statusCode, String error) {
    }

    public Delivery {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    boolean finished() {
        return DELIVERED.equals(status) || FAILED.equals(status);
    }

    /** This delivery with one more attempt, at most the last {@value #KEPT_ATTEMPTS} kept. */
    Delivery with(Attempt attempt, String newStatus, String retryAt) {
        List<Attempt> more = new ArrayList<>(attempts);
        more.add(attempt);
        if (more.size() > KEPT_ATTEMPTS) {
            more = more.subList(more.size() - KEPT_ATTEMPTS, more.size());
        }
        return new Delivery(tenantId, webhookId, breachId, partition, offset, newStatus, more, retryAt);
    }

    static final int KEPT_ATTEMPTS = 30;

    static String key(String tenantId, String webhookId, String breachId) {
        return tenantId + '\u0000' + webhookId + '\u0000' + breachId;
    }
}
