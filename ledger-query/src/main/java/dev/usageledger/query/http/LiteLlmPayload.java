package dev.usageledger.query.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One LiteLLM proxy call, as its {@code generic_api} logging callback sends it (LiteLLM's
 * {@code StandardLoggingPayload}), as a usage event:
 *
 * <ul>
 *   <li>{@code id} (the provider's response id, or LiteLLM's call id) is the event id, so a batch
 *       LiteLLM delivers again is counted once;</li>
 *   <li>{@code startTime} (epoch seconds; or an ISO instant, or Python's {@code str(datetime)} in
 *       UTC, as older versions wrote) is when it occurred, and
 *       {@code endTime - startTime} its latency;</li>
 *   <li>{@code custom_llm_provider} and {@code model} (without a leading {@code provider/}) name
 *       what to rate; {@code model_group}, {@code call_type}, {@code trace_id} and the key's alias
 *       go to attributes;</li>
 *   <li>{@code prompt_tokens} are the input tokens; of the usage object's details (in
 *       {@code metadata.usage_object}, else {@code response.usage}), {@code cached_tokens} (or
 *       Anthropic's {@code cache_read_input_tokens}) the cached part, and {@code reasoning_tokens}
 *       the reasoning tokens, which {@code completion_tokens} includes: the output tokens are the
 *       rest;</li>
 *   <li>{@code response_cost}, US dollars as a JSON number, is the cost: read as the decimal
 *       written, times 1,000,000, rounded once half-even to micro-units. When LiteLLM could not
 *       compute it ({@code response_cost_failure_debug_info} set) the event carries no cost and the
 *       ledger rates it from its price book;</li>
 *   <li>{@code status} {@code failure} is an error; a stream the client left ({@code error_str}
 *       "Client disconnected ...") is cancelled, with the usage it had;</li>
 *   <li>from {@code metadata}: {@code user_api_key_team_id} the team, {@code user_api_key_user_id}
 *       (else {@code end_user}) the user, {@code user_api_key_hash} the key.</li>
 * </ul>
 */
final class LiteLlmPayload {
    private static final BigDecimal MICROS_PER_DOLLAR = BigDecimal.valueOf(1_000_000);
    private static final BigDecimal MILLIS_PER_SECOND = BigDecimal.valueOf(1_000);
    private static final Pattern PYTHON_DATETIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?");

    private LiteLlmPayload() {
    }

    /**
     * The event for {@code payload}; {@code tenant} is the token's tenant, or null to read it from
     * {@code metadata.<tenantField>}.
     *
     * @throws ApiException (400) naming the payload field that is missing or wrong
     */
    static UsageEvent toEvent(JsonNode payload, String tenant, String tenantField) {
        if (payload == null || !payload.isObject()) {
            throw ApiException.invalid(null, "expected a LiteLLM logging payload (a JSON object), got "
                    + (payload == null ? "nothing" : payload.getNodeType()));
        }
        JsonNode metadata = payload.path("metadata");
        String id = text(payload, "id");
        if (id == null || id.isEmpty()) {
            throw ApiException.invalid("id", "the payload has no id");
        }
        String owner = tenant != null ? tenant : text(metadata, tenantField);
        Instant started = instant(payload, "startTime");
        Instant ended = payload.hasNonNull("endTime") ? instant(payload, "endTime") : started;
        JsonNode usage = metadata.path("usage_object").isObject() ? metadata.path("usage_object") : payload.path("response").path("usage");
        long prompt = count(payload, "prompt_tokens");
        long completion = count(payload, "completion_tokens");
        long cached = firstCount(usage.path("prompt_tokens_details"), "cached_tokens", usage, "cache_read_input_tokens");
        long reasoning = firstCount(usage.path("completion_tokens_details"), "reasoning_tokens", usage, "reasoning_tokens");
        long output = reasoning <= completion ? completion - reasoning : completion;

        UsageEvent event = new UsageEvent();
        event.setEventId(id);
        event.setTenantId(owner);
        event.setOccurredAt(started);
        String team = text(metadata, "user_api_key_team_id");
        event.setTeamIds(team == null || team.isEmpty() ? new ArrayList<>() : new ArrayList<>(List.of(team)));
        event.setUserId(firstNonEmpty(text(metadata, "user_api_key_user_id"), text(payload, "end_user")));
        event.setApiKeyId(emptyToNull(text(metadata, "user_api_key_hash")));
        String provider = emptyToNull(text(payload, "custom_llm_provider"));
        event.setProvider(provider);
        event.setModel(model(text(payload, "model"), provider));
        event.setInputTokens(prompt);
        event.setCachedInputTokens(cached);
        event.setOutputTokens(output);
        event.setReasoningTokens(reasoning <= completion ? reasoning : 0);
        event.setRequests(1);
        event.setCostMicros(payload.hasNonNull("response_cost_failure_debug_info") ? null : costMicros(payload));
        event.setCurrency(event.getCostMicros() == null ? null : "USD");
        event.setStatus(status(payload));
        event.setLatencyMs(Math.max(0, ended.toEpochMilli() - started.toEpochMilli()));
        event.setBillingScope(BillingScope.tenant); // the proxy's own provider keys: the organisation pays
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("source", "litellm");
        putIfPresent(attributes, "litellm_model_group", text(payload, "model_group"));
        putIfPresent(attributes, "litellm_call_type", text(payload, "call_type"));
        putIfPresent(attributes, "litellm_trace_id", text(payload, "trace_id"));
        putIfPresent(attributes, "litellm_key_alias", text(metadata, "user_api_key_alias"));
        if (payload.path("stream").asBoolean(false)) {
            attributes.put("stream", "true");
        }
        if (payload.path("cache_hit").asBoolean(false)) {
            attributes.put("cache_hit", "true");
        }
        event.setAttributes(attributes);
        return event;
    }

    /** {@code response_cost} in micro-units: the decimal as written, scaled and rounded once, half to even. */
    static Long costMicros(JsonNode payload) {
        JsonNode cost = payload.get("response_cost");
        if (cost == null || cost.isNull()) {
            return null;
        }
        if (!cost.isNumber()) {
            throw ApiException.invalid("response_cost", "response_cost must be a number of US dollars, got " + cost);
        }
        BigDecimal micros = cost.decimalValue().multiply(MICROS_PER_DOLLAR).setScale(0, RoundingMode.HALF_EVEN);
        if (micros.signum() < 0 || micros.toBigInteger().bitLength() > 63) {
            throw ApiException.invalid("response_cost", "response_cost must be between 0 and " + Long.MAX_VALUE + " micro-units, got " + cost);
        }
        return micros.longValueExact();
    }

    private static UsageStatus status(JsonNode payload) {
        String status = text(payload, "status");
        if (status == null || status.equals("success")) {
            String error = text(payload, "error_str");
            return error != null && error.startsWith("Client disconnected") ? UsageStatus.cancelled : UsageStatus.ok;
        }
        if (status.equals("failure")) {
            return UsageStatus.error;
        }
        throw ApiException.invalid("status", "status must be success or failure, got '" + status + "'");
    }

    /** The model as the price book names it: {@code bedrock/anthropic.claude-3} with provider bedrock is {@code anthropic.claude-3}. */
    private static String model(String model, String provider) {
        if (model == null || model.isEmpty()) {
            return null;
        }
        return provider != null && model.startsWith(provider + "/") ? model.substring(provider.length() + 1) : model;
    }

    private static Instant instant(JsonNode payload, String field) {
        JsonNode value = payload.get(field);
        if (value == null || value.isNull()) {
            throw ApiException.invalid(field, "the payload has no " + field);
        }
        if (value.isNumber()) {
            BigDecimal millis = value.decimalValue().multiply(MILLIS_PER_SECOND).setScale(0, RoundingMode.HALF_EVEN);
            return Instant.ofEpochMilli(millis.longValueExact());
        }
        String text = value.asText();
        try {
            // older LiteLLM versions write Python's str(datetime), "2025-01-24 09:20:46.847371", taken as UTC
            Instant at = PYTHON_DATETIME.matcher(text).matches() ? LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC)
                    : Instant.parse(text);
            BigDecimal millis = BigDecimal.valueOf(at.getEpochSecond()).multiply(MILLIS_PER_SECOND)
                    .add(BigDecimal.valueOf(at.getNano()).movePointLeft(6)).setScale(0, RoundingMode.HALF_EVEN);
            return Instant.ofEpochMilli(millis.longValueExact()); // to the millisecond, as the numeric form
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(field, field + " must be epoch seconds or an ISO-8601 instant, got " + value);
        }
    }

    private static long count(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return 0;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
            throw ApiException.invalid(field, field + " must be a whole number >= 0, got " + value);
        }
        return value.asLong();
    }

    private static long firstCount(JsonNode node, String field, JsonNode fallback, String fallbackField) {
        return node.hasNonNull(field) ? count(node, field) : count(fallback, fallbackField);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.isTextual() ? value.asText() : value.toString();
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    private static String firstNonEmpty(String first, String second) {
        return first != null && !first.isEmpty() ? first : emptyToNull(second);
    }

    private static void putIfPresent(Map<String, String> attributes, String key, String value) {
        if (value != null && !value.isEmpty()) {
            attributes.put(key, value);
        }
    }
}
