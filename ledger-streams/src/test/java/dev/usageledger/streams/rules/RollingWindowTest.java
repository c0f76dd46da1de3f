package dev.usageledger.streams.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import org.junit.jupiter.api.Test;

class RollingWindowTest {

    @Test
    void shouldSplitAWindowIntoAtMostSixtyBucketsOfAtLeastASecond() {
        assertThat(RollingWindow.bucketMs(60_000)).isEqualTo(1_000);
        assertThat(RollingWindow.bucketMs(10_000)).as("never below a second").isEqualTo(1_000);
        assertThat(RollingWindow.bucketMs(86_400_000)).isEqualTo(1_440_000);
    }

    @Test
    void shouldKeepTheBucketsStartingInTheLastDuration() {
        long minute = 60_000;
        assertThat(RollingWindow.bucketStart(125_500, minute)).isEqualTo(125_000);
        assertThat(RollingWindow.firstBucketInWindow(125_500, minute)).as("buckets starting after 65.5 s").isEqualTo(66_000);
        assertThat(RollingWindow.firstBucketInWindow(120_000, minute)).isEqualTo(61_000);
    }

    @Test
    void shouldRequireAPositiveDuration() {
        assertThatThrownBy(() -> RollingWindow.durationMs(Period.newBuilder().setKind(PeriodKind.rolling).build()))
                .hasMessageContaining("duration > 0, got null");
    }
}
