package dev.usageledger.query.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * LiteLLM's {@code StandardLoggingPayload} as usage events. The stream fixture is LiteLLM's own
 * example payload (its Azure Sentinel integration's); the failure and cached-token fixtures are
 * built from it the way LiteLLM's failure handler and usage object fill the same fields.
 */
class LiteLlmPayloadTest {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    @Test
    void shouldMapAStreamedCallWithItsCostRoundedOnceHalfEven() throws IOException {
        UsageEvent event = LiteLlmPayload.toEvent(fixture("stream-success.json"), "acme", "user_api_key_org_id");

        assertThat(event.getEventId()).isEqualTo("chatcmpl-2299b6a2-82a3-465a-b47c-04e685a2227f");
        assertThat(event.getTenantId()).isEqualTo("acme");
        assertThat(event.getOccurredAt()).isEqualTo(Instant.ofEpochMilli(1_766_000_068_285L)); // 1766000068.28466 s
        assertThat(event.getLatencyMs()).isEqualTo(1_794L); // ...70.079 - ...68.285 s, each rounded to the millisecond
        assertThat(event.getProvider()).isEqualTo("openai");
        assertThat(event.getModel()).isEqualTo("gpt-4o");
        assertThat(event.getInputTokens()).isEqualTo(10);
        assertThat(event.getOutputTokens()).isEqualTo(20);
        assertThat(event.getCachedInputTokens()).isZero();
        assertThat(event.getCostMicros()).as("0.00022500000000000002 USD").isEqualTo(225L);
        assertThat(event.getCurrency()).isEqualTo("USD");
        assertThat(event.getStatus()).isEqualTo(UsageStatus.ok);
        assertThat(event.getAttributes()).containsEntry("stream", "true").containsEntry("source", "litellm")
                .containsEntry("litellm_call_type", "acompletion");
        assertThat(event.getUserId()).as("no user in the metadata, end_user empty").isNull();
    }

    @Test
    void shouldMapAFailedCallAsAnErrorWithItsKeyTeamUserAndTenantFromTheMetadata() throws IOException {
        UsageEvent event = LiteLlmPayload.toEvent(fixture("failure.json"), null, "user_api_key_org_id");

        assertThat(event.getEventId()).isEqualTo("9b1e4c2a-6f0d-4e57-9a8e-2f1c7d3b5a10");
        assertThat(event.getTenantId()).isEqualTo("acme");
        assertThat(event.getStatus()).isEqualTo(UsageStatus.error);
        assertThat(event.getCostMicros()).isZero();
        assertThat(event.getInputTokens() + event.getOutputTokens()).isZero();
        assertThat(event.getTeamIds()).containsExactly("team-research");
        assertThat(event.getUserId()).isEqualTo("ana");
        assertThat(event.getApiKeyId()).isEqualTo("88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b");
        assertThat(event.getAttributes()).containsEntry("litellm_key_alias", "research-key");
        assertThat(event.getLatencyMs()).isEqualTo(750L);
    }

    @Test
    void shouldCountCachedAndReasoningTokensFromTheUsageObject() throws IOException {
        UsageEvent event = LiteLlmPayload.toEvent(fixture("cached-reasoning.json"), "acme", "user_api_key_org_id");

        assertThat(event.getInputTokens()).isEqualTo(2_006);
        assertThat(event.getCachedInputTokens()).isEqualTo(1_920);
        assertThat(event.getReasoningTokens()).isEqualTo(128);
        assertThat(event.getOutputTokens()).as("completion_tokens includes the reasoning").isEqualTo(300 - 128);
        assertThat(event.getCostMicros()).as("0.0021345 USD is 2,134.5 micro-units: half to even").isEqualTo(2_134L);
        assertThat(event.getModel()).isEqualTo("o3-mini");
        assertThat(event.getAttributes()).containsEntry("litellm_model_group", "reasoning-small");
    }

    @Test
    void shouldReadAnthropicCacheReadsAndProviderPrefixedModels() throws IOException {
        ObjectNode payload = (ObjectNode) fixture("stream-success.json");
        payload.put("custom_llm_provider", "bedrock").put("model", "bedrock/anthropic.claude-3-5-sonnet").put("prompt_tokens", 900);
        ((ObjectNode) payload.get("metadata")).set("usage_object", JSON.readTree("""
                {"prompt_tokens": 900, "completion_tokens": 20, "total_tokens": 920, "cache_read_input_tokens": 800,
                 "cache_creation_input_tokens": 0}"""));

        UsageEvent event = LiteLlmPayload.toEvent(payload, "acme", "user_api_key_org_id");

        assertThat(event.getProvider()).isEqualTo("bedrock");
        assertThat(event.getModel()).isEqualTo("anthropic.claude-3-5-sonnet");
        assertThat(event.getCachedInputTokens()).isEqualTo(800);
    }

    @Test
    void shouldLeaveTheCostToThePriceBookWhenLiteLlmCouldNotComputeIt() throws IOException {
        ObjectNode payload = (ObjectNode) fixture("stream-success.json");
        payload.put("response_cost", 0.0);
        payload.set("response_cost_failure_debug_info", JSON.readTree("{\"error_message\": \"model not mapped\"}"));

        assertThat(LiteLlmPayload.toEvent(payload, "acme", "user_api_key_org_id").getCostMicros()).isNull();
    }

    @Test
    void shouldMarkAStreamTheClientLeftAsCancelledWithTheUsageItHad() throws IOException {
        ObjectNode payload = (ObjectNode) fixture("stream-success.json");
        payload.put("error_str", "Client disconnected the request");

        UsageEvent event = LiteLlmPayload.toEvent(payload, "acme", "user_api_key_org_id");

        assertThat(event.getStatus()).isEqualTo(UsageStatus.cancelled);
        assertThat(event.getOutputTokens()).isEqualTo(20);
    }

    @Test
    void shouldReadPythonDatetimeStringsAsUtcAndNameWhatIsWrong() throws IOException {
        ObjectNode payload = (ObjectNode) fixture("stream-success.json");
        payload.put("startTime", "2025-01-24 09:20:46.847371").put("endTime", "2025-01-24 09:20:46.851954");

        assertThat(LiteLlmPayload.toEvent(payload, "acme", "f").getOccurredAt()).isEqualTo(Instant.parse("2025-01-24T09:20:46.847Z"));
        for (String[] bad : List.of(new String[] {"prompt_tokens", "-3"}, new String[] {"response_cost", "\"free\""},
                new String[] {"startTime", "\"yesterday\""}, new String[] {"status", "\"maybe\""})) {
            ObjectNode broken = (ObjectNode) fixture("stream-success.json");
            broken.set(bad[0], JSON.readTree(bad[1]));
            assertThatThrownBy(() -> LiteLlmPayload.toEvent(broken, "acme", "f")).isInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(((ApiException) e).field()).isEqualTo(bad[0]));
        }
    }

    private static JsonNode fixture(String name) throws IOException {
        try (InputStream in = LiteLlmPayloadTest.class.getResourceAsStream("/litellm/" + name)) {
            return JSON.readTree(in);
        }
    }
}
