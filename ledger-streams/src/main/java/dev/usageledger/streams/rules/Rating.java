package dev.usageledger.streams.rules;

import dev.usageledger.schemas.avro.PriceChange;
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

    /** A call's cost in micro-units, and whether it had to be counted at 0 for want of a price. */
    public record Rated(long costMicros, boolean unpriced) {
    }

    /**
     * The one rating rule of the live paths (counted usage, checks and holds): the caller's
     * stated cost wins; otherwise the tokens priced with {@code price}, the price in force at the
     * call's time; with neither, cost 0 and {@code unpriced}.
     *
     * @param statedCostMicros the caller's own cost, or null to rate the tokens
     * @param price            the price in force, or null when the book has none
     * @throws IllegalArgumentException when a count or price is negative or cached input exceeds input
     * @throws ArithmeticException when the cost does not fit in a long
     */
    public static Rated rate(Long statedCostMicros, long inputTokens, long cachedInputTokens, long outputTokens,
                             long reasoningTokens, PriceChange price) {
        if (statedCostMicros != null) {
            return new Rated(statedCostMicros, false);
        }
        if (price == null) {
            return new Rated(0, true);
        }
        return new Rated(costMicros(inputTokens, cachedInputTokens, outputTokens, reasoningTokens, price.getInputMicrosPerMtok(),
                price.getCachedInputMicrosPerMtok(), price.getOutputMicrosPerMtok()), false);
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
