package dev.usageledger.producer.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UsageEventJsonTest {

    @Test
    void shouldReadEveryField() {
        UsageEvent event = UsageEventJson.parse("""
                {"event_id":"e-1","occurred_at":"2026-11-20T11:59:58.120Z","tenant_id":"acme","team_ids":["acme-platform"],
                 "user_id":"acme-u03","api_key_id":"acme-k07","feature":"codegen","endpoint":"/v1/chat/completions",
                 "provider":"openai","model":"gpt-4.1-mini","input_tokens":1200,"output_tokens":300,
                 "cached_input_tokens":200,"reasoning_tokens":50,"requests":1,"cost_micros":1500,"currency":"USD",
                 "status":"cancelled","latency_ms":830,"hold_id":"req-8f1c","attributes":{"region":"eu"},"billing_scope":"user"}""");

        assertThat(event.getBillingScope()).isEqualTo(BillingScope.user);

        assertThat(event.getOccurredAt()).isEqualTo(Instant.parse("2026-11-20T11:59:58.120Z"));
        assertThat(event.getTeamIds()).containsExactly("acme-platform");
        assertThat(event.getCachedInputTokens()).isEqualTo(200);
        assertThat(event.getReasoningTokens()).isEqualTo(50);
        assertThat(event.getCostMicros()).isEqualTo(1500L);
        assertThat(event.getStatus()).isEqualTo(UsageStatus.cancelled);
        assertThat(event.getHoldId()).isEqualTo("req-8f1c");
        assertThat(event.getAttributes()).isEqualTo(Map.of("region", "eu"));
    }

    @Test
    void shouldLeaveIdAndTimeToTheProducerAndDefaultTheRest() {
        UsageEvent event = UsageEventJson.parse("{\"tenant_id\":\"acme\",\"occurred_at\":1763640000000}");

        assertThat(event.getEventId()).isNull();
        assertThat(event.getOccurredAt()).isEqualTo(Instant.ofEpochMilli(1763640000000L));
        assertThat(event.getRequests()).isEqualTo(1);
        assertThat(event.getInputTokens()).isZero();
        assertThat(event.getStatus()).isEqualTo(UsageStatus.ok);
        assertThat(event.getTeamIds()).isEqualTo(List.of());
        assertThat(event.getCostMicros()).isNull();
        assertThat(event.getBillingScope()).as("the tenant pays unless the event says otherwise").isEqualTo(BillingScope.tenant);
    }

    @Test
    void shouldNameTheFieldAndValueThatAreWrong() {
        assertRefused("{\"tenant_id\":\"acme\",\"cost_micros\":1.5}", "cost_micros must be a whole number", "1.5");
        assertRefused("{\"tenant_id\":\"acme\",\"input_tokens\":\"12\"}", "input_tokens must be a whole number", "\"12\"");
        assertRefused("{\"tenant_id\":\"acme\",\"status\":\"done\"}", "status must be one of ok, error, cancelled", "'done'");
        assertRefused("{\"tenant_id\":\"acme\",\"billing_scope\":\"me\"}", "billing_scope must be one of tenant, user", "'me'");
        assertRefused("{\"tenant_id\":\"acme\",\"occurred_at\":\"yesterday\"}", "occurred_at must be an ISO-8601", "yesterday");
        assertRefused("{\"tenant_id\":\"acme\",\"modle\":\"x\"}", "unknown field 'modle'", "modle");
        assertRefused("{\"tenant_id\":7}", "tenant_id must be a string", "7");
        assertRefused("[1,2]", "expected a JSON object", "ARRAY");
        assertRefused("{not json", "not JSON", "");
    }

    private static void assertRefused(String line, String message, String value) {
        assertThatThrownBy(() -> UsageEventJson.parse(line)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message).hasMessageContaining(value);
    }
}
