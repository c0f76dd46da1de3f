package dev.usageledger.streams.rules;

import java.math.BigInteger;

/**
 * Prices one event in integer micro-units: input tokens net of cached ones at the input price,
 * cached input at the cached price, output plus reasoning tokens at the output price, all per
 * million tokens. The exact sum is divided by one million and rounded once, half to even, per
 * event: the ledger's total is then the sum of its rated events, so an audit that re-rates them
 * one by one reproduces it to the micro-unit (pricing a day's tokens in one go would not — ten
 * events of 1.5 micros cost 20, fifteen micros' worth of tokens in one event cost 15). Half to
 * even, unlike half up, does not bias millions of small events upward. No floating point anywhere.
 */
public final class Rating {
    private static final long MILLION = 1_000_000L;
    private static final long HALF = MILLION / 2;
    private static final BigInteger BIG_MILLION = BigInteger.valueOf(MILLION);
    private static final BigInteger BIG_HALF = BigInteger.valueOf(HALF);

    private Rating() {
    }

    /**
     * The cost of one event, in micro-units of the price's currency.
     *
     * @param inputTokens all input tokens, cached ones included
     * @throws IllegalArgumentException when a count is negative or cached input exceeds input;
     *     the message names the field
     * @throws ArithmeticException when the cost does not fit in a long
     */
    public static long costMicros(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                                  Price price) {
        Price.requireNonNegative("input_tokens", inputTokens);
        Price.requireNonNegative("cached_input_tokens", cachedInputTokens);
        Price.requireNonNegative("output_tokens", outputTokens);
        Price.requireNonNegative("reasoning_tokens", reasoningTokens);
        if (cachedInputTokens > inputTokens) {
            throw new IllegalArgumentException("cached_input_tokens (" + cachedInputTokens + ") exceeds input_tokens ("
                    + inputTokens + "): cached tokens are part of the input");
        }
        long uncached = inputTokens - cachedInputTokens;
        try {
            long scaled = Math.addExact(Math.addExact(
                    Math.multiplyExact(uncached, price.inputMicrosPerMtok()),
                    Math.multiplyExact(cachedInputTokens, price.cachedInputMicrosPerMtok())),
                    Math.multiplyExact(Math.addExact(outputTokens, reasoningTokens), price.outputMicrosPerMtok()));
            return divideByMillionHalfEven(scaled);
        } catch (ArithmeticException beyondLong) {
            // Only volumes far beyond any single call get here: exact at any size, but it allocates.
            BigInteger scaled = big(uncached).multiply(big(price.inputMicrosPerMtok()))
                    .add(big(cachedInputTokens).multiply(big(price.cachedInputMicrosPerMtok())))
                    .add(big(outputTokens).add(big(reasoningTokens)).multiply(big(price.outputMicrosPerMtok())));
            return divideByMillionHalfEven(scaled).longValueExact();
        }
    }

    /**
     * The same, with the price's parts spelled out as a price change carries them.
     *
     * @throws IllegalArgumentException when a count or price is negative or cached input exceeds input
     * @throws ArithmeticException when the cost does not fit in a long
     */
    public static long costMicros(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                                  long inputMicrosPerMtok, long cachedMicrosPerMtok, long outputMicrosPerMtok) {
        return costMicros(inputTokens, cachedInputTokens, outputTokens, reasoningTokens,
                new Price(inputMicrosPerMtok, cachedMicrosPerMtok, outputMicrosPerMtok));
    }

    private static long divideByMillionHalfEven(long scaled) {
        long quotient = scaled / MILLION;
        long remainder = scaled % MILLION;
        return remainder > HALF || remainder == HALF && (quotient & 1) == 1 ? quotient + 1 : quotient;
    }

    private static BigInteger divideByMillionHalfEven(BigInteger scaled) {
        BigInteger[] qr = scaled.divideAndRemainder(BIG_MILLION);
        int vsHalf = qr[1].compareTo(BIG_HALF);
        return vsHalf > 0 || vsHalf == 0 && qr[0].testBit(0) ? qr[0].add(BigInteger.ONE) : qr[0];
    }

    private static BigInteger big(long value) {
        return BigInteger.valueOf(value);
    }
}
