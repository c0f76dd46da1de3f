package dev.usageledger.streams.rules;

/**
 * A model's price in micro-units per one million tokens, as a price change states it: input
 * (net of cached), cached input, and output (reasoning tokens are charged as output).
 */
public record Price(long inputMicrosPerMtok, long cachedInputMicrosPerMtok, long outputMicrosPerMtok) {
    public Price {
        requireNonNegative("input_micros_per_mtok", inputMicrosPerMtok);
        requireNonNegative("cached_input_micros_per_mtok", cachedInputMicrosPerMtok);
        requireNonNegative("output_micros_per_mtok", outputMicrosPerMtok);
    }

    static void requireNonNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, got " + value);
        }
    }
}
