package dev.usageledger.streams.decision;

import dev.usageledger.schemas.avro.Metric;

/**
 * What a call is expected to use. {@code costMicros} is null when the caller left the cost to
 * the price book; {@link #amount} then needs the rated cost.
 */
public record Estimate(Long costMicros, long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                       long requests) {
    public static final Estimate NONE = new Estimate(0L, 0, 0, 0, 0, 0);

    public Estimate {
        requireNonNegative("estimate.cost_micros", costMicros == null ? 0 : costMicros);
        requireNonNegative("estimate.input_tokens", inputTokens);
        requireNonNegative("estimate.cached_input_tokens", cachedInputTokens);
        requireNonNegative("estimate.output_tokens", outputTokens);
        requireNonNegative("estimate.reasoning_tokens", reasoningTokens);
        requireNonNegative("estimate.requests", requests);
    }

    /** What the estimate adds to a policy's metric, given the call's cost in micro-units. */
    public long amount(Metric metric, long ratedCostMicros) {
        return switch (metric) {
            case cost_micros -> ratedCostMicros;
            case tokens -> Math.addExact(Math.addExact(inputTokens, outputTokens), reasoningTokens);
            case input_tokens -> inputTokens;
            case output_tokens -> outputTokens;
            case requests -> requests;
        };
    }

    private static void requireNonNegative(String field, long value) {
        if (value < 0) {
            throw new InvalidInputException(field, field + " must be >= 0, got " + value);
        }
    }
}
