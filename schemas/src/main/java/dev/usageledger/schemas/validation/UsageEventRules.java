package dev.usageledger.schemas.validation;

import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.schemas.avro.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What makes a usage event valid, in one place: the producer refuses to send an invalid event
 * and the topology routes one that arrives anyway to the rejected topic, by the same rules.
 */
public final class UsageEventRules {
    /** How far ahead an event may be dated unless configured otherwise, by the producer and the topology alike. */
    public static final Duration DEFAULT_MAX_FUTURE_SKEW = Duration.ofMinutes(10);
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

    private final Duration maxFutureSkew;

    /** Rules that accept event times up to {@code maxFutureSkew} ahead of the checker's clock. */
    public UsageEventRules(Duration maxFutureSkew) {
        this.maxFutureSkew = maxFutureSkew;
    }

    /** The first violation of {@code event} at wall-clock time {@code now}, if any. */
    public Optional<Violation> firstViolation(UsageEvent event, Instant now) {
        List<Violation> found = violations(event, now);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }

    /** Every violation of {@code event}, most fundamental first. */
    public List<Violation> violations(UsageEvent event, Instant now) {
        List<Violation> found = new ArrayList<>();
        if (blank(event.getTenantId())) {
            found.add(new Violation("tenant_id", String.valueOf(event.getTenantId()), "missing_tenant",
                    "tenant_id is required, got " + quoted(event.getTenantId())));
        }
        if (blank(event.getEventId())) {
            found.add(new Violation("event_id", String.valueOf(event.getEventId()), "missing_event_id",
                    "event_id is required, got " + quoted(event.getEventId())));
        }
        if (event.getOccurredAt() == null) {
            found.add(new Violation("occurred_at", "null", "missing_occurred_at", "occurred_at is required"));
        } else if (event.getOccurredAt().isAfter(now.plus(maxFutureSkew))) {
            found.add(new Violation("occurred_at", event.getOccurredAt().toString(), "future_timestamp",
                    "occurred_at " + event.getOccurredAt() + " is more than " + maxFutureSkew + " ahead of now (" + now + ")"));
        }
        nonNegative(found, "input_tokens", event.getInputTokens());
        nonNegative(found, "output_tokens", event.getOutputTokens());
        nonNegative(found, "cached_input_tokens", event.getCachedInputTokens());
        nonNegative(found, "reasoning_tokens", event.getReasoningTokens());
        nonNegative(found, "requests", event.getRequests());
        if (event.getCachedInputTokens() > event.getInputTokens() && event.getCachedInputTokens() >= 0) {
            found.add(new Violation("cached_input_tokens", Long.toString(event.getCachedInputTokens()), "cached_exceeds_input",
                    "cached_input_tokens must be <= input_tokens (cached tokens are part of the input), got "
                            + event.getCachedInputTokens() + " > " + event.getInputTokens()));
        }
        if (event.getCostMicros() != null && event.getCostMicros() < 0) {
            found.add(new Violation("cost_micros", event.getCostMicros().toString(), "negative_cost",
                    "cost_micros must be >= 0, got " + event.getCostMicros()));
        }
        if (event.getLatencyMs() != null && event.getLatencyMs() < 0) {
            found.add(new Violation("latency_ms", event.getLatencyMs().toString(), "negative_latency",
                    "latency_ms must be >= 0, got " + event.getLatencyMs()));
        }
        if (event.getCurrency() != null && !CURRENCY.matcher(event.getCurrency()).matches()) {
            found.add(new Violation("currency", event.getCurrency(), "invalid_currency",
                    "currency must be an ISO 4217 code such as USD, got " + quoted(event.getCurrency())));
        }
        if (event.getStatus() == null) {
            found.add(new Violation("status", "null", "unknown_status", "status must be one of ok, error, cancelled"));
        }
        if (event.getBillingScope() == BillingScope.user && blank(event.getUserId())) {
            found.add(new Violation("billing_scope", "user", "billing_user_missing",
                    "billing_scope 'user' bills the call to its user, so user_id is required, got " + quoted(event.getUserId())));
        }
        return found;
    }

    private static void nonNegative(List<Violation> found, String field, long value) {
        if (value < 0) {
            found.add(new Violation(field, Long.toString(value), "negative_count", field + " must be >= 0, got " + value));
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static String quoted(String value) {
        return value == null ? "nothing" : "'" + value + "'";
    }
}
