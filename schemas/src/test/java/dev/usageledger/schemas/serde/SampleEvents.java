package dev.usageledger.schemas.serde;

import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Usage events with every field set, for round-trip tests. */
final class SampleEvents {
    private SampleEvents() {
    }

    static UsageEvent full(int n) {
        return UsageEvent.newBuilder()
                .setEventId("0193a2b4-7c1d-7e00-8000-" + String.format("%012d", n))
                .setOccurredAt(Instant.parse("2026-11-20T11:59:58.120Z").plusMillis(n))
                .setTenantId("acme")
                .setTeamIds(List.of("acme-platform", "acme-research"))
                .setUserId("acme-u" + (n % 10))
                .setApiKeyId("acme-k07")
                .setFeature("codegen")
                .setEndpoint("/v1/chat/completions")
                .setProvider("openai")
                .setModel("gpt-4.1-mini")
                .setInputTokens(1200 + n)
                .setOutputTokens(300)
                .setCachedInputTokens(200)
                .setReasoningTokens(0)
                .setRequests(1)
                .setCostMicros(n % 2 == 0 ? 1_500L + n : null)
                .setCurrency("USD")
                .setStatus(n % 5 == 0 ? UsageStatus.cancelled : UsageStatus.ok)
                .setLatencyMs(830L)
                .setHoldId(n % 3 == 0 ? "req-" + n : null)
                .setAttributes(Map.of("region", "eu-west-1", "trace", "t-" + n))
                .build();
    }
}
