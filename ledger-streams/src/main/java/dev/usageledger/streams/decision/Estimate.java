package dev.usageledger.streams.decision;

import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.streams.rules.PolicyRules;

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

    /**
     * The estimate a hold request carries: every count of the check's estimate, with the cost
     * already rated ({@code ratedCostMicros}), so the hold step weighs exactly what the check did.
     */
    public dev.usageledger.schemas.avro.Estimate toRecord(long ratedCostMicros) {
        return dev.usageledger.schemas.avro.Estimate.newBuilder().setCostMicros(ratedCostMicros).setInputTokens(inputTokens)
                .setCachedInputTokens(cachedInputTokens).setOutputTokens(outputTokens).setReasoningTokens(reasoningTokens)
                .setRequests(requests).build();
    }

    /** The estimate of a hold request; its cost was rated when the request was written. */
    public static Estimate of(dev.usageledger.schemas.avro.Estimate record) {
        return new Estimate(record.getCostMicros(), record.getInputTokens(), record.getCachedInputTokens(), record.getOutputTokens(),
                record.getReasoningTokens(), record.getRequests());
    }

    /** What the estimate adds to a policy's metric, given the call's cost in micro-units: the rule usage is counted by. */
    public long amount(Metric metric, long ratedCostMicros) {
        return PolicyRules.amount(metric, ratedCostMicros, inputTokens, outputTokens, reasoningTokens, requests);
    }

    private static void requireNonNegative(String field, long value) {
        if (value < 0) {
            throw new InvalidInputException(field, field + " must be >= 0, got " + value);
        }
    }
}
