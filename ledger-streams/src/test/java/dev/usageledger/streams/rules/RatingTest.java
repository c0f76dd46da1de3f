package dev.usageledger.streams.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RatingTest {
    // The example price of DESIGN.md: 0.40 / 0.10 / 1.60 per million tokens, in micro-units
    private static final Price MINI = new Price(400_000, 100_000, 1_600_000);
    // One micro-unit per million tokens: the token count is the numerator before division
    private static final Price ONE = new Price(1, 1, 1);

    @ParameterizedTest(name = "{0} / 1,000,000 -> {1}")
    @CsvSource({"500000, 0", "1500000, 2", "2500000, 2", "3500000, 4", "4500000, 4", "5500000, 6"})
    void shouldRoundAnExactHalfToTheEvenMicro(long numerator, long expectedMicros) {
        // Given a numerator of exactly n.5 micros
        // When
        long cost = Rating.costMicros(numerator, 0, 0, 0, ONE);

        // Then
        assertThat(cost).isEqualTo(expectedMicros);
    }

    @ParameterizedTest(name = "{0} / 1,000,000 -> {1}")
    @CsvSource({"1, 0", "499999, 0", "500001, 1", "999999, 1", "1000000, 1", "2499999, 2", "2500001, 3", "3499999, 3"})
    void shouldRoundOtherFractionsToTheNearestMicro(long numerator, long expectedMicros) {
        // When / Then
        assertThat(Rating.costMicros(numerator, 0, 0, 0, ONE)).isEqualTo(expectedMicros);
    }

    @Test
    void shouldRoundAHalfFromRealisticPricesToEven() {
        // Given 25 and 35 input tokens at 0.10 per million: 2.5 and 3.5 micros
        Price tenthOfAMicroPerToken = new Price(100_000, 0, 0);

        // When / Then
        assertThat(Rating.costMicros(25, 0, 0, 0, tenthOfAMicroPerToken)).isEqualTo(2);
        assertThat(Rating.costMicros(35, 0, 0, 0, tenthOfAMicroPerToken)).isEqualTo(4);
    }

    @Test
    void shouldChargeUncachedInputCachedInputAndOutputEachAtItsPrice() {
        // Given 1,200 input of which 200 cached, 300 output and 100 reasoning tokens
        // When
        long cost = Rating.costMicros(1_200, 200, 300, 100, MINI);

        // Then 1,000 x 0.4 + 200 x 0.1 + 400 x 1.6 = 400 + 20 + 640
        assertThat(cost).isEqualTo(1_060);
    }

    @Test
    void shouldRoundTheEventsWholeCostNotEachPart() {
        // Given 667 uncached (266.8), 567 cached (56.7) and 99 output tokens (158.4): 481.9 in all
        // When
        long cost = Rating.costMicros(1_234, 567, 89, 10, MINI);

        // Then
        assertThat(cost).isEqualTo(482);
        assertThat(Rating.costMicros(1, 0, 1, 0, new Price(700_000, 0, 700_000)))
                .as("0.7 + 0.7 = 1.4 -> 1, where rounding the parts would give 2").isEqualTo(1);
        assertThat(Rating.costMicros(1, 0, 1, 0, new Price(400_000, 0, 400_000)))
                .as("0.4 + 0.4 = 0.8 -> 1, where rounding the parts would give 0").isEqualTo(1);
    }

    @Test
    void shouldCostNothingForNoTokensOrAFreeModel() {
        // When / Then
        assertThat(Rating.costMicros(0, 0, 0, 0, MINI)).isZero();
        assertThat(Rating.costMicros(1_000_000, 0, 1_000_000, 1_000_000, new Price(0, 0, 0))).isZero();
    }

    @Test
    void shouldChargeCachedOnlyInputAtTheCachedPrice() {
        // When / Then 200 x 0.1
        assertThat(Rating.costMicros(200, 200, 0, 0, MINI)).isEqualTo(20);
    }

    @Test
    void shouldChargeReasoningTokensAtTheOutputPrice() {
        // When
        long reasoningOnly = Rating.costMicros(0, 0, 0, 1_000, MINI);

        // Then 1,000 x 1.6, exactly what as many output tokens cost
        assertThat(reasoningOnly).isEqualTo(1_600).isEqualTo(Rating.costMicros(0, 0, 1_000, 0, MINI));
    }

    @Test
    void shouldPriceHugeVolumesExactlyWithoutOverflow() {
        // Given products beyond a long (10^12 tokens x 10^8 micros = 10^20)
        // When / Then
        assertThat(Rating.costMicros(1_000_000_000_000L, 0, 0, 0, new Price(100_000_000L, 0, 0))).isEqualTo(100_000_000_000_000L);
        assertThat(Rating.costMicros(6_000_000_000_000_000_000L, 0, 6_000_000_000_000_000_000L, 0, ONE))
                .as("each product fits, the sum does not").isEqualTo(12_000_000_000_000L);
        assertThat(Rating.costMicros(0, 0, Long.MAX_VALUE, 1, ONE))
                .as("output + reasoning = 2^63 = 9,223,372,036,854.775808 millions").isEqualTo(9_223_372_036_855L);
    }

    @Test
    void shouldRoundHalvesToEvenBeyondALongToo() {
        // Given 10^19 + 500,000 and 10^19 + 1,500,000 micro-token products: 10^13 + 0.5 and 10^13 + 1.5 micros
        Price tenthOfAMicroPerToken = new Price(100_000, 0, 0);

        // When / Then
        assertThat(Rating.costMicros(100_000_000_000_005L, 0, 0, 0, tenthOfAMicroPerToken)).isEqualTo(10_000_000_000_000L);
        assertThat(Rating.costMicros(100_000_000_000_015L, 0, 0, 0, tenthOfAMicroPerToken)).isEqualTo(10_000_000_000_002L);
    }

    @Test
    void shouldFailLoudlyWhenTheCostItselfDoesNotFitInALong() {
        // When / Then the largest cost that fits is priced; one micro more per million tokens is refused
        assertThat(Rating.costMicros(Long.MAX_VALUE, 0, 0, 0, new Price(1_000_000, 0, 0))).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> Rating.costMicros(Long.MAX_VALUE, 0, 0, 0, new Price(1_000_001, 0, 0)))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void shouldRoundEachEventOnceSoTheLedgerIsTheSumOfItsRatedEvents() {
        // Given ten events of 1.5 micros each and one event with all their tokens
        long oneByOne = 0;
        for (int i = 0; i < 10; i++) {
            oneByOne += Rating.costMicros(5, 0, 0, 0, new Price(300_000, 0, 0));
        }

        // When
        long allAtOnce = Rating.costMicros(50, 0, 0, 0, new Price(300_000, 0, 0));

        // Then the ledger's total is 20, the sum of what each event was charged, not 15
        assertThat(oneByOne).isEqualTo(20);
        assertThat(allAtOnce).isEqualTo(15);
    }

    @Test
    void shouldNotBiasManyHalvesUpward() {
        // Given events of 0.5, 1.5, 2.5 and 3.5 micros (8 micros exactly)
        long total = 0;
        for (long numerator : new long[] {500_000, 1_500_000, 2_500_000, 3_500_000}) {
            total += Rating.costMicros(numerator, 0, 0, 0, ONE);
        }

        // Then half to even gives 0 + 2 + 2 + 4, where half up would give 10
        assertThat(total).isEqualTo(8);
    }

    @Test
    void shouldRefuseCachedInputBeyondInput() {
        // When / Then
        assertThatThrownBy(() -> Rating.costMicros(10, 11, 0, 0, MINI)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cached_input_tokens (11) exceeds input_tokens (10): cached tokens are part of the input");
    }

    @Test
    void shouldRefuseNegativeCountsAndPricesNamingTheField() {
        // When / Then
        assertThatThrownBy(() -> Rating.costMicros(-1, 0, 0, 0, MINI)).hasMessage("input_tokens must be >= 0, got -1");
        assertThatThrownBy(() -> Rating.costMicros(10, -1, 0, 0, MINI)).hasMessage("cached_input_tokens must be >= 0, got -1");
        assertThatThrownBy(() -> Rating.costMicros(10, 0, -1, 0, MINI)).hasMessage("output_tokens must be >= 0, got -1");
        assertThatThrownBy(() -> Rating.costMicros(10, 0, 0, -1, MINI)).hasMessage("reasoning_tokens must be >= 0, got -1");
        assertThatThrownBy(() -> new Price(-5, 0, 0)).hasMessage("input_micros_per_mtok must be >= 0, got -5");
        assertThatThrownBy(() -> new Price(0, -5, 0)).hasMessage("cached_input_micros_per_mtok must be >= 0, got -5");
        assertThatThrownBy(() -> Rating.costMicros(10, 0, 0, 0, 0, 0, -5)).hasMessage("output_micros_per_mtok must be >= 0, got -5");
    }

    @Test
    void shouldRateTheSameWithThePriceSpelledOut() {
        // When / Then the form the rate step uses, with a price change's three fields
        assertThat(Rating.costMicros(1_234, 567, 89, 10, 400_000, 100_000, 1_600_000)).isEqualTo(482);
    }
}
