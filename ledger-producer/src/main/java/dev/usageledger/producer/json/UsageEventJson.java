package dev.usageledger.producer.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads one usage event from JSON with DESIGN.md's snake_case field names. Strict: an unknown
 * field, a wrong type, a fractional amount or an unknown status is an error naming the field and
 * the value, because a silently dropped or rounded field is money counted wrong.
 */
public final class UsageEventJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> COUNTS = Set.of("input_tokens", "output_tokens", "cached_input_tokens",
            "reasoning_tokens", "requests");
    private static final Set<String> KNOWN = Set.of("event_id", "occurred_at", "tenant_id", "team_ids", "user_id",
            "api_key_id", "feature", "endpoint", "provider", "model", "input_tokens", "output_tokens",
            "cached_input_tokens", "reasoning_tokens", "requests", "cost_micros", "currency", "status", "latency_ms",
            "hold_id", "attributes", "billing_scope");

    private UsageEventJson() {
    }

    /**
     * Parses {@code line}. Missing {@code event_id} and {@code occurred_at} stay null (the
     * producer fills them); other missing fields take the schema's defaults.
     *
     * @throws JsonFieldException naming the field and value that are wrong
     */
    public static UsageEvent parse(String line) {
        JsonNode tree;
        try {
            tree = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new JsonFieldException(null, "not JSON: " + e.getOriginalMessage());
        }
        return parse(tree);
    }

    /**
     * Reads an event from a parsed JSON value, as {@link #parse(String)} does.
     *
     * @throws JsonFieldException naming the field and value that are wrong
     */
    public static UsageEvent parse(JsonNode tree) {
        if (!(tree instanceof ObjectNode object)) {
            throw new JsonFieldException(null, "expected a JSON object, got " + (tree == null ? "nothing" : tree.getNodeType()));
        }
        object.fieldNames().forEachRemaining(name -> {
            if (!KNOWN.contains(name)) {
                throw new JsonFieldException(name, "unknown field '" + name + "'");
            }
        });
        UsageEvent event = new UsageEvent();
        event.setEventId(text(object, "event_id"));
        Instant occurredAt = instant(object);
        if (occurredAt != null) {
            event.setOccurredAt(occurredAt); // the generated setter cannot take null; left null, the producer fills it
        }
        event.setTenantId(text(object, "tenant_id"));
        event.setTeamIds(strings(object, "team_ids"));
        event.setUserId(text(object, "user_id"));
        event.setApiKeyId(text(object, "api_key_id"));
        event.setFeature(text(object, "feature"));
        event.setEndpoint(text(object, "endpoint"));
        event.setProvider(text(object, "provider"));
        event.setModel(text(object, "model"));
        for (String count : COUNTS) {
            Long value = integer(object, count);
            event.put(count, value == null ? ("requests".equals(count) ? 1L : 0L) : value);
        }
        event.setCostMicros(integer(object, "cost_micros"));
        event.setCurrency(text(object, "currency"));
        event.setStatus(symbol(object, "status", UsageStatus.ok));
        event.setLatencyMs(integer(object, "latency_ms"));
        event.setHoldId(text(object, "hold_id"));
        event.setAttributes(attributes(object));
        event.setBillingScope(symbol(object, "billing_scope", BillingScope.tenant));
        return event;
    }

    private static String text(ObjectNode object, String field) {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw wrongType(field, node, "a string");
        }
        return node.asText();
    }

    private static Long integer(ObjectNode object, String field) {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw wrongType(field, node, "a whole number (amounts are integer micro-units, counts are integers)");
        }
        return node.asLong();
    }

    private static Instant instant(ObjectNode object) {
        JsonNode node = object.get("occurred_at");
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isIntegralNumber()) {
            return Instant.ofEpochMilli(node.asLong());
        }
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            throw wrongType("occurred_at", node, "an ISO-8601 UTC instant such as 2026-11-20T11:59:58.120Z, or epoch milliseconds");
        }
    }

    /** The enum constant named by {@code field}, {@code absent} when the field is missing. */
    private static <E extends Enum<E>> E symbol(ObjectNode object, String field, E absent) {
        String name = text(object, field);
        if (name == null) {
            return absent;
        }
        for (E constant : absent.getDeclaringClass().getEnumConstants()) {
            if (constant.name().equals(name)) {
                return constant;
            }
        }
        throw new JsonFieldException(field, field + " must be one of " + Arrays.stream(absent.getDeclaringClass().getEnumConstants())
                .map(Enum::name).collect(Collectors.joining(", ")) + ", got '" + name + "'");
    }

    private static List<String> strings(ObjectNode object, String field) {
        JsonNode node = object.get(field);
        List<String> values = new ArrayList<>();
        if (node == null || node.isNull()) {
            return values;
        }
        if (!node.isArray()) {
            throw wrongType(field, node, "an array of strings");
        }
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw wrongType(field, node, "an array of strings");
            }
            values.add(item.asText());
        }
        return values;
    }

    private static Map<String, String> attributes(ObjectNode object) {
        JsonNode node = object.get("attributes");
        Map<String, String> values = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return values;
        }
        if (!node.isObject()) {
            throw wrongType("attributes", node, "an object of strings");
        }
        node.properties().forEach(entry -> {
            if (!entry.getValue().isTextual()) {
                throw wrongType("attributes." + entry.getKey(), entry.getValue(), "a string");
            }
            values.put(entry.getKey(), entry.getValue().asText());
        });
        return values;
    }

    private static JsonFieldException wrongType(String field, JsonNode value, String expected) {
        return new JsonFieldException(field, field + " must be " + expected + ", got " + value);
    }
}
