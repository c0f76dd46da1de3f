package dev.usageledger.streams.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RatingTest {

    @Test
    void shouldRoundAnExactHalfToTheEvenMicro() {
        // 5 input tokens at 300,000 micros/Mtok = 1.5 micros -> 2; 25 at 100,000 = 2.5 -> 2; 35 at 100,000 = 3.5 -> 4
        assertThat(Rating.costMicros(5, 0, 0, 0, 300_000, 0, 0)).isEqualTo(2);
        assertThat(Rating.costMicros(25, 0, 0, 0, 100_000, 0, 0)).isEqualTo(2);
        assertThat(Rating.costMicros(35, 0, 0, 0, 100_000, 0, 0)).isEqualTo(4);
        assertThat(Rating.costMicros(5, 0, 0, 0, 100_000, 0, 0)).as("0.5 -> 0").isZero();
    }

    @Test
    void shouldRoundOtherFractionsToTheNearestMicro() {
        assertThat(Rating.costMicros(1, 0, 0, 0, 400_000, 0, 0)).as("0.4 -> 0").isZero();
        assertThat(Rating.costMicros(3, 0, 0, 0, 200_000, 0, 0)).as("0.6 -> 1").isEqualTo(1);
    }

    @Test
    void shouldChargeCachedInputAtTheCachedPriceAndReasoningAtTheOutputPrice() {
        // (1000-200)*0.4 + 200*0.1 + (300+100)*1.6 = 320 + 20 + 640
        assertThat(Rating.costMicros(1_000, 200, 300, 100, 400_000, 100_000, 1_600_000)).isEqualTo(980);
        assertThat(Rating.costMicros(200, 200, 0, 0, 400_000, 100_000, 1_600_000)).as("cached only").isEqualTo(20);
        assertThat(Rating.costMicros(0, 0, 0, 0, 400_000, 100_000, 1_600_000)).isZero();
    }

    @Test
    void shouldRoundEachEventOnceSoTheSumOfEventsIsTheTruth() {
        long oneByOne = 0;
        for (int i = 0; i < 10; i++) {
            oneByOne += Rating.costMicros(5, 0, 0, 0, 300_000, 0, 0); // 1.5 each -> 2
        }
        assertThat(oneByOne).isEqualTo(20).isNotEqualTo(Rating.costMicros(50, 0, 0, 0, 300_000, 0, 0));
    }

    @Test
    void shouldPriceHugeVolumesExactlyWithoutOverflow() {
        assertThat(Rating.costMicros(1_000_000_000_000L, 0, 0, 0, 100_000_000L, 0, 0)).isEqualTo(100_000_000_000_000L);
        assertThatThrownBy(() -> Rating.costMicros(Long.MAX_VALUE, 0, 0, 0, Long.MAX_VALUE, 0, 0))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void shouldRefuseCachedBeyondInputAndNegativeValues() {
        assertThatThrownBy(() -> Rating.costMicros(10, 11, 0, 0, 1, 1, 1))
                .hasMessageContaining("cached_input_tokens (11) exceeds input_tokens (10)");
        assertThatThrownBy(() -> Rating.costMicros(10, 0, -1, 0, 1, 1, 1)).hasMessageContaining("output_tokens must be >= 0, got -1");
    }
}
