package dev.usageledger.schemas.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class UsageEventRulesTest {
    private static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
    private final UsageEventRules rules = new UsageEventRules(Duration.ofMinutes(10));

    @Test
    void shouldAcceptAWellFormedEvent() {
        assertThat(rules.violations(valid(), NOW)).isEmpty();
    }

    @Test
    void shouldNameEachInvalidFieldWithItsValueAndReason() {
        assertViolation(e -> e.setTenantId(" "), "tenant_id", "missing_tenant", "tenant_id is required");
        assertViolation(e -> e.setEventId(""), "event_id", "missing_event_id", "event_id is required");
        assertViolation(e -> e.setInputTokens(-5L), "input_tokens", "negative_count", "input_tokens must be >= 0, got -5");
        assertViolation(e -> e.setOutputTokens(-1L), "output_tokens", "negative_count", "got -1");
        assertViolation(e -> e.setReasoningTokens(-2L), "reasoning_tokens", "negative_count", "got -2");
        assertViolation(e -> e.setRequests(-1L), "requests", "negative_count", "requests must be >= 0");
        assertViolation(e -> e.setCostMicros(-1500L), "cost_micros", "negative_cost", "cost_micros must be >= 0, got -1500");
        assertViolation(e -> e.setCachedInputTokens(2000L), "cached_input_tokens", "cached_exceeds_input", "2000 > 1200");
        assertViolation(e -> e.setLatencyMs(-3L), "latency_ms", "negative_latency", "got -3");
        assertViolation(e -> e.setCurrency("usd"), "currency", "invalid_currency", "'usd'");
        assertViolation(e -> e.setStatus(null), "status", "unknown_status", "ok, error, cancelled");
        assertViolation(e -> {
            e.setUserId(null);
            e.setBillingScope(BillingScope.user);
        }, "billing_scope", "billing_user_missing", "user_id is required");
    }

    @Test
    void shouldAcceptTheAllowedSkewAndRefuseMore() {
        assertThat(rules.violations(with(e -> e.setOccurredAt(NOW.plus(Duration.ofMinutes(10)))), NOW)).isEmpty();
        assertViolation(e -> e.setOccurredAt(NOW.plus(Duration.ofMinutes(10)).plusMillis(1)), "occurred_at",
                "future_timestamp", "2026-11-20T12:10:00.001Z");
    }

    private void assertViolation(Consumer<UsageEvent> change, String field, String reason, String text) {
        assertThat(rules.firstViolation(with(change), NOW)).hasValueSatisfying(v -> {
            assertThat(v.field()).isEqualTo(field);
            assertThat(v.reason()).isEqualTo(reason);
            assertThat(v.message()).contains(text);
        });
    }

    private static UsageEvent with(Consumer<UsageEvent> change) {
        UsageEvent event = valid();
        change.accept(event);
        return event;
    }

    private static UsageEvent valid() {
        return UsageEvent.newBuilder().setEventId("e-1").setOccurredAt(NOW).setTenantId("acme")
                .setInputTokens(1200).setCachedInputTokens(200).setOutputTokens(300).setCostMicros(1500L)
                .setCurrency("USD").setStatus(UsageStatus.ok).setLatencyMs(800L).build();
    }
}
