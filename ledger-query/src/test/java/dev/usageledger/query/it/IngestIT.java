package dev.usageledger.query.it;

import static dev.usageledger.query.it.ServiceFixture.ACME_TOKEN;
import static dev.usageledger.query.it.ServiceFixture.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code POST /v1/events} against a real broker: every position answered, durable before the answer, counted once. */
@ExtendWith(LedgerClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestIT {
    private LedgerService service;
    private Api api;
    private final Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    @BeforeAll
    void startService(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("ingest");
        ServiceFixture.createTopics(cluster, prefix, 3);
        Map<String, Object> config = ServiceFixture.config(cluster, prefix, prefix + "-app", Files.createTempDirectory("ledger-ingest-it"));
        config.put(ServiceConfig.INGEST_MAX_EVENTS_CONFIG, 50);
        config.put(ServiceConfig.INGEST_MAX_BODY_BYTES_CONFIG, 65_536);
        service = ServiceFixture.startAndAwaitRunning(config, Clock.systemUTC());
        api = new Api(service.apiUri());
    }

    @AfterAll
    void stopService() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void shouldAnswerEveryPositionOfAMixedBatchAndCountOnlyTheAcceptedOnes() {
        // Given a batch with one good event and four bad ones
        String batch = "[" + String.join(",",
                event("mixed-ok", "acme", "ingest-u1", 1_000),
                event("mixed-negative", "acme", "ingest-u1", 7).replace("\"output_tokens\": 5", "\"output_tokens\": -1"),
                "42",
                event("mixed-colour", "acme", "ingest-u1", 7).replace("{", "{\"colour\": \"red\", "),
                event("mixed-no-tenant", null, "ingest-u1", 7)) + "]";

        // When an admin posts it
        Api.Response response = api.post("/v1/events", ADMIN_TOKEN, batch);

        // Then every position is answered: the good one accepted with where it went, each bad one with its reason and field
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode answer = response.json();
        assertThat(answer.get("accepted").asInt()).isEqualTo(1);
        assertThat(answer.get("rejected").asInt()).isEqualTo(4);
        JsonNode results = answer.get("results");
        assertThat(results.get(0).get("status").asText()).isEqualTo("accepted");
        assertThat(results.get(0).get("event_id").asText()).isEqualTo("mixed-ok");
        assertThat(results.get(0).get("offset").asLong()).isNotNegative();
        assertThat(codeAndField(results.get(1))).isEqualTo("negative_count output_tokens");
        assertThat(results.get(1).get("error").get("message").asText()).contains("-1");
        assertThat(codeAndField(results.get(2))).isEqualTo("invalid_json null");
        assertThat(codeAndField(results.get(3))).isEqualTo("invalid_json colour");
        assertThat(codeAndField(results.get(4))).isEqualTo("missing_tenant tenant_id");
        assertThat(results).extracting(r -> r.get("index").asInt()).containsExactly(0, 1, 2, 3, 4);

        // and only the good one is counted
        assertThat(userCost("ingest-u1", results.get(0))).isEqualTo(1_000);
        // and the rejections are in the metrics, by reason
        assertThat(api.get("/metrics", null).body()).containsPattern("ledger_ingest_events_total\\{[^}]*reason=\"negative_count\"[^}]*} 1.0");
    }

    @Test
    void shouldCountABatchSentAgainWithTheSameIdempotencyKeyOnce() {
        // Given newline-delimited events without ids or tenant, from a tenant token, and a line that is not JSON
        String ndjson = IntStream.range(0, 3).mapToObj(i -> event(null, null, "ingest-u2", 100 + i)).collect(Collectors.joining("\n"))
                + "\nnot json at all\n";
        Map<String, String> headers = Map.of("Idempotency-Key", "batch-7", "Content-Type", "application/x-ndjson");

        // When it is sent twice (a client that did not see the first answer)
        JsonNode first = api.send("POST", "/v1/events", ACME_TOKEN, ndjson, headers).json();
        JsonNode again = api.send("POST", "/v1/events", ACME_TOKEN, ndjson, headers).json();

        // Then both answers name the same ids, filled by the server for the token's tenant
        assertThat(ids(again)).isEqualTo(ids(first)).hasSize(3).allMatch(id -> id.startsWith("idem-"));
        assertThat(codeAndField(first.get("results").get(3))).isEqualTo("invalid_json null");
        // and the events are counted once, once the second copy was processed too
        assertThat(userCost("ingest-u2", again.get("results").get(2))).isEqualTo(100 + 101 + 102);
    }

    @Test
    void shouldRefuseATenantTokenPublishingForAnotherTenantAndPublishNothingOfTheBatch() {
        String batch = "[" + event("own", "acme", "ingest-u3", 5) + "," + event("foreign", "globex", "ingest-u3", 5) + "]";

        Api.Response refused = api.post("/v1/events", ACME_TOKEN, batch);

        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("error").get("field").asText()).isEqualTo("[1].tenant_id");
        assertThat(refused.json().get("error").get("message").asText()).contains("position 1", "globex");
        // nothing was published: after a later event of the same user is processed, only it is counted
        JsonNode later = api.post("/v1/events", ACME_TOKEN, "[" + event("later", "acme", "ingest-u3", 9) + "]").json();
        assertThat(userCost("ingest-u3", later.get("results").get(0))).isEqualTo(9);
    }

    @Test
    void shouldRefuseBatchesOverTheLimitsWith413() {
        String tooMany = "[" + IntStream.range(0, 51).mapToObj(i -> event("many-" + i, "acme", "ingest-u4", 1))
                .collect(Collectors.joining(",")) + "]";
        Api.Response many = api.post("/v1/events", ACME_TOKEN, tooMany);
        assertThat(many.status()).isEqualTo(413);
        assertThat(many.json().get("error").get("code").asText()).isEqualTo("too_many_events");
        assertThat(many.json().get("error").get("message").asText()).contains("at most 50");

        List<String> big = new ArrayList<>();
        for (int i = 0; big.size() < 40; i++) {
            big.add(event("big-" + i, "acme", "ingest-u4", 1).replace("{", "{\"feature\": \"" + "x".repeat(2_000) + "\", "));
        }
        Api.Response large = api.post("/v1/events", ACME_TOKEN, "[" + String.join(",", big) + "]");
        assertThat(large.status()).isEqualTo(413);
        assertThat(large.json().get("error").get("code").asText()).isEqualTo("body_too_large");

        assertThat(api.post("/v1/events", ACME_TOKEN, "[{\"tenant_id\": ").status()).isEqualTo(400);
        assertThat(api.post("/v1/events", null, "[]").status()).isEqualTo(401);
    }

    @Test
    void shouldCountLiteLlmsPayloadsInEachLogFormatOnceWithTheirCostAndErrors() throws Exception {
        String failure = liteLlm("failure.json", "lite-failure");
        String cached = liteLlm("cached-reasoning.json", "lite-cached");
        String stream = liteLlm("stream-success.json", "lite-stream");

        // When an admin posts a json_array batch (the tenant from each payload's metadata.user_api_key_org_id)
        JsonNode array = api.post("/v1/ingest/litellm", ADMIN_TOKEN, "[" + failure + "," + cached + "," + stream + "]").json();

        // Then the failed and the cached call are accepted, and the stream, whose metadata names no organisation, is refused
        assertThat(array.get("accepted").asInt()).as(array.toString()).isEqualTo(2);
        assertThat(codeAndField(array.get("results").get(2))).isEqualTo("missing_tenant metadata.user_api_key_org_id");

        // And from the tenant's token, ndjson (the cached call again, as LiteLLM re-sending) and single both land
        Map<String, String> json = Map.of("Content-Type", "application/json");
        JsonNode ndjson = api.send("POST", "/v1/ingest/litellm", ACME_TOKEN, stream + "\n" + cached, json).json();
        assertThat(ndjson.get("accepted").asInt()).as(ndjson.toString()).isEqualTo(2);
        JsonNode single = api.send("POST", "/v1/ingest/litellm", ACME_TOKEN, liteLlm("stream-success.json", "lite-single"), json).json();
        assertThat(single.get("results").get(0).get("event_id").asText()).isEqualTo("lite-single");

        // Then ana's day holds the failed call and the cached call once: 0.0021345 USD is 2,134 micro-units (half to even)
        long offset = single.get("results").get(0).get("offset").asLong();
        JsonNode ana = api.get("/v1/tenants/acme/usage?scope=user:ana&period=day&min_offset=" + offset, ACME_TOKEN).json();
        assertThat(ana.get("cost_micros").asLong()).isEqualTo(2_134L);
        assertThat(ana.get("events").asLong()).isEqualTo(2);
        assertThat(ana.get("errors").asLong()).isEqualTo(1);
        assertThat(ana.get("cached_input_tokens").asLong()).isEqualTo(1_920);
        JsonNode byModel = api.get("/v1/tenants/acme/breakdown?scope=team:team-research&by=model&period=day&min_offset=" + offset,
                ACME_TOKEN).json();
        assertThat(byModel.get("rows").findValuesAsText("model")).containsExactlyInAnyOrder("gpt-4o", "o3-mini");
    }

    /** A LiteLLM fixture as sent now, with its own id. */
    private String liteLlm(String fixture, String id) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode payload;
        try (var in = IngestIT.class.getResourceAsStream("/litellm/" + fixture)) {
            payload = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(in);
        }
        java.math.BigDecimal seconds = java.math.BigDecimal.valueOf(now.toEpochMilli()).movePointLeft(3);
        payload.put("id", id).put("startTime", seconds).put("endTime", seconds.add(java.math.BigDecimal.ONE))
                .put("completionStartTime", seconds.add(java.math.BigDecimal.ONE));
        return mapper.writeValueAsString(payload);
    }

    /** The user's cost today, read once the reports include the event answered in {@code result}. */
    private long userCost(String user, JsonNode result) {
        long offset = result.get("offset").asLong();
        JsonNode usage = api.get("/v1/tenants/acme/usage?scope=user:" + user + "&period=day&min_offset=" + offset, ACME_TOKEN).json();
        return usage.get("cost_micros").asLong();
    }

    private static List<String> ids(JsonNode answer) {
        List<String> ids = new ArrayList<>();
        answer.get("results").forEach(r -> {
            if (r.get("status").asText().equals("accepted")) {
                ids.add(r.get("event_id").asText());
            }
        });
        return ids;
    }

    private static String codeAndField(JsonNode result) {
        assertThat(result.get("status").asText()).isEqualTo("rejected");
        JsonNode field = result.get("error").get("field"); // left out when null
        return result.get("error").get("code").asText() + " " + (field == null ? "null" : field.asText());
    }

    private String event(String id, String tenant, String user, long cost) {
        return "{" + (id == null ? "" : "\"event_id\": \"" + id + "\", ") + (tenant == null ? "" : "\"tenant_id\": \"" + tenant + "\", ")
                + "\"user_id\": \"" + user + "\", \"occurred_at\": \"" + now + "\", \"provider\": \"openai\", \"model\": \"gpt-4.1-mini\", "
                + "\"input_tokens\": 10, \"output_tokens\": 5, \"cost_micros\": " + cost + "}";
    }
}
