package dev.usageledger.producer.enforce;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A call about to be made, as a check or a hold describes it: who makes it, what it calls, and
 * what it is expected to use. Build one with {@link #forTenant} and the {@code with…} methods;
 * fields left out are left out of the request (the ledger rates a call without a cost from its
 * price book).
 */
public record Call(String tenantId, String userId, List<String> teamIds, String apiKeyId, String provider, String model,
                   String feature, String endpoint, boolean userPays, Long costMicros, long inputTokens, long outputTokens) {
    public Call {
        Objects.requireNonNull(tenantId, "tenantId");
        teamIds = teamIds == null ? List.of() : List.copyOf(teamIds);
    }

    /** A call of {@code tenantId} with nothing else said yet. */
    public static Call forTenant(String tenantId) {
        return new Call(tenantId, null, List.of(), null, null, null, null, null, false, null, 0, 0);
    }

    public Call withUser(String user) {
        return new Call(tenantId, user, teamIds, apiKeyId, provider, model, feature, endpoint, userPays, costMicros, inputTokens,
                outputTokens);
    }

    public Call withTeams(List<String> teams) {
        return new Call(tenantId, userId, teams, apiKeyId, provider, model, feature, endpoint, userPays, costMicros, inputTokens,
                outputTokens);
    }

    public Call withApiKey(String key) {
        return new Call(tenantId, userId, teamIds, key, provider, model, feature, endpoint, userPays, costMicros, inputTokens,
                outputTokens);
    }

    /** The provider and model called. */
    public Call withModel(String providerName, String modelName) {
        return new Call(tenantId, userId, teamIds, apiKeyId, providerName, modelName, feature, endpoint, userPays, costMicros,
                inputTokens, outputTokens);
    }

    public Call withFeature(String featureName, String endpointPath) {
        return new Call(tenantId, userId, teamIds, apiKeyId, provider, model, featureName, endpointPath, userPays, costMicros,
                inputTokens, outputTokens);
    }

    /** The user pays with their own provider key ({@code billing_scope: user}). */
    public Call billedToUser() {
        return new Call(tenantId, userId, teamIds, apiKeyId, provider, model, feature, endpoint, true, costMicros, inputTokens,
                outputTokens);
    }

    /** The expected cost in micro-units, when the caller knows it. */
    public Call withCost(long micros) {
        return new Call(tenantId, userId, teamIds, apiKeyId, provider, model, feature, endpoint, userPays, micros, inputTokens,
                outputTokens);
    }

    /** The expected tokens, which the ledger rates when no cost is given. */
    public Call withTokens(long input, long output) {
        return new Call(tenantId, userId, teamIds, apiKeyId, provider, model, feature, endpoint, userPays, costMicros, input, output);
    }

    /** The request body of {@code POST /v1/check}, the fields of {@code POST /v1/holds} but the hold's own. */
    Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("tenant_id", tenantId);
        putIfSet(body, "user_id", userId);
        if (!teamIds.isEmpty()) {
            body.put("team_ids", teamIds);
        }
        putIfSet(body, "api_key_id", apiKeyId);
        putIfSet(body, "provider", provider);
        putIfSet(body, "model", model);
        putIfSet(body, "feature", feature);
        putIfSet(body, "endpoint", endpoint);
        if (userPays) {
            body.put("billing_scope", "user");
        }
        Map<String, Object> estimate = new LinkedHashMap<>();
        putIfSet(estimate, "cost_micros", costMicros);
        estimate.put("input_tokens", inputTokens);
        estimate.put("output_tokens", outputTokens);
        body.put("estimate", estimate);
        return body;
    }

    private static void putIfSet(Map<String, Object> body, String field, Object value) {
        if (value != null) {
            body.put(field, value);
        }
    }
}
