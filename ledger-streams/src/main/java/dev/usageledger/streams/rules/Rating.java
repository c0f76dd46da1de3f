package dev.usageledger.streams.rules;

import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Prices one event in integer micro-units. Input tokens net of cached ones at the input price,
 * cached input at the cached price, output plus reasoning tokens at the output price; prices are
 * micro-units per million tokens. The exact sum is divided by one million and rounded once,
 * half to even — per event, so the ledger's total is the sum of its rated events and an audit
 * reproduces it exactly. No floating point anywhere.
 */
public final class Rating {
    private static final BigInteger MILLION = BigInteger.valueOf(1_000_000);

    private Rating() {
    }

    /**
     * @throws IllegalArgumentException when a count or price is negative or cached exceeds input
     * @throws ArithmeticException when the cost does not fit in a long
     */
    public static long costMicros(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                                  long inputMicrosPerMtok, long cachedMicrosPerMtok, long outputMicrosPerMtok) {
        requireNonNegative("input_tokens", inputTokens);
        requireNonNegative("cached_input_tokens", cachedInputTokens);
        requireNonNegative("output_tokens", outputTokens);
        requireNonNegative("reasoning_tokens", reasoningTokens);
        requireNonNegative("input_micros_per_mtok", inputMicrosPerMtok);
        requireNonNegative("cached_input_micros_per_mtok", cachedMicrosPerMtok);
        requireNonNegative("output_micros_per_mtok", outputMicrosPerMtok);
        if (cachedInputTokens > inputTokens) {
            throw new IllegalArgumentException("cached_input_tokens (" + cachedInputTokens + ") exceeds input_tokens ("
                    + inputTokens + "): cached tokens are part of the input");
        }
        BigInteger scaled = BigInteger.valueOf(inputTokens - cachedInputTokens).multiply(BigInteger.valueOf(inputMicrosPerMtok))
                .add(BigInteger.valueOf(cachedInputTokens).multiply(BigInteger.valueOf(cachedMicrosPerMtok)))
                .add(BigInteger.valueOf(outputTokens).add(BigInteger.valueOf(reasoningTokens))
                        .multiply(BigInteger.valueOf(outputMicrosPerMtok)));
        return divideHalfEven(scaled, MILLION).longValueExact();
    }

    private static BigInteger divideHalfEven(BigInteger dividend, BigInteger divisor) {
        return new java.math.BigDecimal(dividend).divide(new java.math.BigDecimal(divisor), 0, RoundingMode.HALF_EVEN)
                .toBigIntegerExact();
    }

    private static void requireNonNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, got " + value);
        }
    }
}
