package dev.usageledger.query.api;

import dev.usageledger.streams.decision.InvalidInputException;
import java.util.List;

/** The body of {@code POST /v1/holds}: a check's body plus the client's hold id and the hold's time to live. */
public record HoldBody(String tenantId, String userId, List<String> teamIds, String apiKeyId, String provider, String model,
                       String feature, String endpoint, CheckBody.EstimateBody estimate, Long minOffset, String holdId, Long ttlMs,
                       String billingScope) {
    public HoldBody {
        Fields.requireId("hold_id", holdId);
        if (ttlMs != null && ttlMs < 1_000) {
            throw new InvalidInputException("ttl_ms", "ttl_ms must be at least 1000, got " + ttlMs);
        }
    }

    /** The check this hold makes. */
    public CheckBody check() {
        return new CheckBody(tenantId, userId, teamIds, apiKeyId, provider, model, feature, endpoint, estimate, minOffset, billingScope);
    }
}
