package dev.usageledger.query.api;

import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.streams.decision.Estimate;
import dev.usageledger.streams.decision.InvalidInputException;
import dev.usageledger.streams.rules.CallDimensions;
import java.util.List;

/** The body of {@code POST /v1/check}: who calls, with what, and what the call is expected to use. */
public record CheckBody(String tenantId, String userId, List<String> teamIds, String apiKeyId, String provider, String model,
                        String feature, String endpoint, EstimateBody estimate, Long minOffset, String billingScope) {
    public CheckBody {
        Fields.requireText("tenant_id", tenantId);
        billing(billingScope, userId);
        if (teamIds != null) {
            for (int i = 0; i < teamIds.size(); i++) {
                Fields.requireText("team_ids[" + i + "]", teamIds.get(i));
            }
        }
        if (minOffset != null && minOffset < 0) {
            throw new InvalidInputException("min_offset", "min_offset must be >= 0, got " + minOffset);
        }
    }

    public CallDimensions call() {
        return new CallDimensions(tenantId, teamIds, userId, apiKeyId, feature, provider, model, endpoint, billing());
    }

    /** Who pays for the call: the tenant unless {@code billing_scope} says the user. */
    public BillingScope billing() {
        return billing(billingScope, userId);
    }

    private static BillingScope billing(String scope, String userId) {
        if (scope == null) {
            return BillingScope.tenant;
        }
        BillingScope billing;
        try {
            billing = BillingScope.valueOf(scope);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("billing_scope", "billing_scope must be one of tenant, user, got '" + scope + "'");
        }
        if (billing == BillingScope.user && (userId == null || userId.isBlank())) {
            throw new InvalidInputException("billing_scope", "billing_scope 'user' bills the call to its user, so user_id is required");
        }
        return billing;
    }

    public Estimate toEstimate() {
        return estimate == null ? new Estimate(null, 0, 0, 0, 0, 1) : estimate.toEstimate();
    }

    /** The estimate part: a missing cost is rated from the price book, missing counts are zero (requests one). */
    public record EstimateBody(Long costMicros, Long inputTokens, Long cachedInputTokens, Long outputTokens, Long reasoningTokens,
                               Long requests) {
        public Estimate toEstimate() {
            return new Estimate(costMicros, orZero(inputTokens), orZero(cachedInputTokens), orZero(outputTokens),
                    orZero(reasoningTokens), requests == null ? 1 : requests);
        }

        private static long orZero(Long value) {
            return value == null ? 0 : value;
        }
    }
}
