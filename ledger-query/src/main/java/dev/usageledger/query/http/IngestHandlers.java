package dev.usageledger.query.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.usageledger.producer.UsageEvents;
import dev.usageledger.producer.json.JsonFieldException;
import dev.usageledger.producer.json.UsageEventJson;
import dev.usageledger.query.state.StateUnavailableException;
import dev.usageledger.query.state.UsageWriter;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.validation.UsageEventRules;
import dev.usageledger.schemas.validation.Violation;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /v1/events}: usage events over HTTP, for services that do not speak Kafka. The body
 * is a JSON array or newline-delimited JSON of events in the {@code ledger produce} shape. Each
 * event is read and validated on its own (the rules the ledger applies); the valid ones are
 * published to the usage topic and the answer, listing every position as accepted (with its
 * {@code event_id}) or rejected (code, field, message), leaves only once Kafka has acknowledged
 * every accepted one. A batch sent again is counted once, by event id: ids the server fills are
 * returned, and derived from the {@code Idempotency-Key} header when one is sent, so a re-sent
 * batch gets the same ones.
 *
 * <p>{@code POST /v1/ingest/litellm} takes what LiteLLM's proxy logs through its {@code generic_api}
 * callback, unchanged ({@link LiteLlmPayload}), and answers the same way.
 */
final class IngestHandlers {
    /** The header whose value, with each event's position, makes the ids the server fills repeatable. */
    static final HeaderName IDEMPOTENCY_KEY = HeaderNames.create("Idempotency-Key");
    /** Decimals kept as written (LiteLLM's cost is a JSON number of dollars): never a binary float on the way to micro-units. */
    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private final UsageWriter writer;
    private final IngestSettings limits;
    private final UsageEventRules rules;
    private final ApiSettings settings;
    private final MeterRegistry metrics;
    private final Counter accepted;

    IngestHandlers(UsageWriter writer, IngestSettings limits, ApiSettings settings, MeterRegistry metrics) {
        this.writer = writer;
        this.limits = limits;
        this.rules = new UsageEventRules(limits.maxFutureSkew());
        this.settings = settings;
        this.metrics = metrics;
        this.accepted = Counter.builder("ledger.ingest.events").description("Usage events received over HTTP, by outcome and reason")
                .tag("outcome", "accepted").tag("reason", "none").register(metrics);
    }

    void register(RouteTable routing) {
        routing.post("/v1/events", (request, response) -> ingest(request, response, values(body(request)), this::read))
                .post("/v1/ingest/litellm", (request, response) -> ingest(request, response, sequence(body(request)), this::readLiteLlm));
    }

    /** Reads one position of a batch into an entry. */
    private interface Reader {
        Entry read(Value value, int index, Caller caller, Optional<String> idempotencyKey, Instant now);
    }

    private byte[] body(ServerRequest request) {
        return Exchange.body(request, limits.maxBodyBytes());
    }

    /** One position of the batch as sent: a JSON value, or a line that is not JSON and why. */
    private record Value(JsonNode json, String notJson) {
    }

    /** One position of the batch: the event read from it, or why it was not. */
    private record Entry(UsageEvent event, String code, String field, String message) {
        boolean valid() {
            return code == null;
        }
    }

    private void ingest(ServerRequest request, ServerResponse response, List<Value> values, Reader reader) {
        if (values.size() > limits.maxEvents()) {
            throw new ApiException(413, "too_many_events", "a batch has at most " + limits.maxEvents() + " events, got " + values.size()
                    + "; send it in parts", null, null);
        }
        Caller caller = Callers.of(request);
        Optional<String> idempotencyKey = request.headers().first(IDEMPOTENCY_KEY);
        Instant now = settings.clock().instant().truncatedTo(ChronoUnit.MILLIS);
        List<Entry> entries = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            entries.add(reader.read(values.get(i), i, caller, idempotencyKey, now));
        }
        List<UsageEvent> valid = entries.stream().filter(Entry::valid).map(Entry::event).toList();
        List<UsageWriter.Stored> stored;
        try {
            stored = valid.isEmpty() ? List.of() : writer.publish(valid);
        } catch (StateUnavailableException e) {
            unavailable(response, e, entries);
            return;
        }
        List<Map<String, Object>> results = new ArrayList<>(entries.size());
        int next = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("index", i);
            if (entry.valid()) {
                UsageWriter.Stored at = stored.get(next++);
                result.put("status", "accepted");
                result.put("event_id", entry.event().getEventId());
                result.put("partition", at.partition());
                result.put("offset", at.offset());
            } else {
                result.put("status", "rejected");
                if (entry.event() != null && entry.event().getEventId() != null) {
                    result.put("event_id", entry.event().getEventId());
                }
                result.put("error", error(entry));
                rejected(entry.code());
            }
            results.add(result);
        }
        accepted.increment(valid.size());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("accepted", valid.size());
        answer.put("rejected", entries.size() - valid.size());
        answer.put("results", results);
        Exchange.send(response, 200, answer);
    }

    /** The batch's values: the elements of a JSON array, or one per non-blank line. */
    private static List<Value> values(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            throw new ApiException(400, "missing_body", "the request needs a JSON array or newline-delimited JSON of usage events", null,
                    null);
        }
        List<Value> values = new ArrayList<>();
        if (trimmed.charAt(0) == '[') {
            JsonNode array;
            try {
                array = JSON.readTree(trimmed);
            } catch (JsonProcessingException e) {
                throw new ApiException(400, "invalid_json", "the body is not a JSON array: " + e.getOriginalMessage(), null, null);
            }
            array.forEach(element -> values.add(new Value(element, null)));
            return values;
        }
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                values.add(new Value(JSON.readTree(line), null));
            } catch (JsonProcessingException e) {
                values.add(new Value(null, "not JSON: " + e.getOriginalMessage())); // rejected at its position
            }
        }
        return values;
    }

    /**
     * LiteLLM's batches: a JSON array ({@code json_array}), objects one per line ({@code ndjson}),
     * or one object ({@code single}), all sent as application/json.
     */
    private static List<Value> sequence(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty() || text.charAt(0) == '[') {
            return values(body);
        }
        List<Value> values = new ArrayList<>();
        try (MappingIterator<JsonNode> all = JSON.readerFor(JsonNode.class).readValues(text)) {
            while (all.hasNextValue()) {
                values.add(new Value(all.nextValue(), null));
            }
        } catch (IOException | RuntimeException e) {
            throw new ApiException(400, "invalid_json", "the body is not LiteLLM's json_array, ndjson or single format: "
                    + e.getMessage().lines().findFirst().orElse(""), null, null);
        }
        return values;
    }

    private Entry read(Value value, int index, Caller caller, Optional<String> idempotencyKey, Instant now) {
        if (value.notJson() != null) {
            return new Entry(null, "invalid_json", null, value.notJson());
        }
        UsageEvent event;
        try {
            event = UsageEventJson.parse(value.json());
        } catch (JsonFieldException e) {
            return new Entry(null, "invalid_json", e.field(), e.getMessage());
        }
        return complete(event, index, caller, idempotencyKey, now);
    }

    /** A LiteLLM payload: the tenant is the token's, or (an admin's) the configured metadata field's. */
    private Entry readLiteLlm(Value value, int index, Caller caller, Optional<String> idempotencyKey, Instant now) {
        String tenant = !caller.admin() && caller.tenants().size() == 1 ? caller.tenants().iterator().next() : null;
        UsageEvent event;
        try {
            event = LiteLlmPayload.toEvent(value.json(), tenant, limits.liteLlmTenantField());
        } catch (ApiException e) {
            return new Entry(null, "invalid_payload", e.field(), e.getMessage());
        }
        if (event.getTenantId() == null) {
            return new Entry(event, "missing_tenant", "metadata." + limits.liteLlmTenantField(), "the payload's metadata has no "
                    + limits.liteLlmTenantField() + " to name the tenant; post with the tenant's token, or set "
                    + "ledger.litellm.tenant.field to the metadata field that names it");
        }
        return complete(event, index, caller, idempotencyKey, now);
    }

    /** Fills what the server fills, holds the tenant to the token, and validates. */
    private Entry complete(UsageEvent event, int index, Caller caller, Optional<String> idempotencyKey, Instant now) {
        if (event.getTenantId() == null && !caller.admin() && caller.tenants().size() == 1) {
            event.setTenantId(caller.tenants().iterator().next()); // a tenant token speaks for its tenant
        }
        if (event.getTenantId() != null && !event.getTenantId().isEmpty() && !caller.admin()
                && !caller.tenants().contains(event.getTenantId())) {
            throw new ApiException(403, "forbidden", "the event at position " + index + " is for tenant '" + event.getTenantId()
                    + "', which this token may not publish for; nothing of the batch was published", "[" + index + "].tenant_id", null);
        }
        if (event.getEventId() == null) {
            event.setEventId(idempotencyKey.map(key -> derivedId(key, event.getTenantId(), index))
                    .orElseGet(() -> UsageEvents.uuidV7(now).toString()));
        }
        if (event.getOccurredAt() == null) {
            event.setOccurredAt(now);
        }
        if (event.getStatus() == null) {
            event.setStatus(UsageStatus.ok);
        }
        Optional<Violation> violation = rules.firstViolation(event, now);
        if (violation.isPresent()) {
            return new Entry(event, violation.get().reason(), violation.get().field(), violation.get().message());
        }
        return new Entry(event, null, null, null);
    }

    /** An id for the event at {@code index} of the batch sent with {@code key}: the same on every re-send. */
    static String derivedId(String key, String tenant, int index) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha256.digest((tenant + '\u0000' + key + '\u0000' + index).getBytes(StandardCharsets.UTF_8));
            return "idem-" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static Map<String, Object> error(Entry entry) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", entry.code());
        error.put("field", entry.field());
        error.put("message", entry.message());
        return error;
    }

    private void rejected(String reason) {
        Counter.builder("ledger.ingest.events").description("Usage events received over HTTP, by outcome and reason")
                .tag("outcome", "rejected").tag("reason", reason).register(metrics).increment();
    }

    /** 503 with the error envelope, and the ids of the batch's events, to send again as they are. */
    private static void unavailable(ServerResponse response, StateUnavailableException e, List<Entry> entries) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("code", "unavailable");
        detail.put("message", e.getMessage());
        detail.put("field", null);
        envelope.put("error", detail);
        envelope.put("retry_after_ms", e.retryAfterMs());
        envelope.put("event_ids", entries.stream().map(entry -> entry.event() == null ? null : entry.event().getEventId()).toList());
        response.header(HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, Math.ceilDiv(e.retryAfterMs(), 1000))));
        Exchange.send(response, 503, envelope);
    }
}
