package dev.usageledger.streams.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.streams.rules.RollingWindow;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RollingBucketsTest {
    private static final long MINUTE = 60_000;

    @Test
    void shouldAddReplaceAndKeepBucketsInOrder() {
        RollingBuckets copy = new RollingBuckets(0, new long[0], new long[0])
                .with(2_000, 5, MINUTE)
                .with(1_000, 3, MINUTE)
                .with(2_000, 7, MINUTE);

        assertThat(copy.starts()).containsExactly(1_000, 2_000);
        assertThat(copy.amounts()).containsExactly(3, 7);
        assertThat(copy.amountAt(2_000)).isEqualTo(7);
        assertThat(copy.amountAt(3_000)).isNull();
    }

    @Test
    void shouldDropBucketsNoWindowCanReachAndSaySo() {
        // Given buckets at 1 s and 2 s of a one-minute window
        RollingBuckets copy = new RollingBuckets(0, new long[0], new long[0]).with(1_000, 1, MINUTE).with(2_000, 1, MINUTE);

        // When the bucket at 61 s arrives (its window holds the buckets starting after 1 s)
        RollingBuckets later = copy.with(61_000, 4, MINUTE);

        // Then the 1 s bucket is gone and the copy no longer claims to cover it
        assertThat(later.starts()).containsExactly(2_000, 61_000);
        assertThat(later.covers(1_000)).isFalse();
        assertThat(later.covers(RollingWindow.firstBucketInWindow(61_000, MINUTE))).isTrue();
        assertThatThrownBy(() -> later.with(1_000, 1, MINUTE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldAnswerEveryWindowItCoversLikeTheFullHistory() {
        // Given random writes, mostly in time order with some late ones, mirrored into a full model
        Random random = new Random(7);
        TreeMap<Long, Long> model = new TreeMap<>();
        RollingBuckets copy = new RollingBuckets(0, new long[0], new long[0]);
        long now = 0;
        for (int i = 0; i < 5_000; i++) {
            now += random.nextInt(3_000);
            long at = random.nextInt(10) == 0 ? now - random.nextInt(90_000) : now;
            long bucket = RollingWindow.bucketStart(Math.max(0, at), MINUTE);
            long amount = model.merge(bucket, 1L + random.nextInt(5), Long::sum);
            copy = copy.covers(bucket) ? copy.with(bucket, amount, MINUTE) : reload(model, RollingWindow.firstBucketInWindow(bucket, MINUTE));

            // Then the window ending now is the model's wherever the copy covers it
            long from = RollingWindow.firstBucketInWindow(now, MINUTE);
            if (copy.covers(from)) {
                assertThat(sum(copy, from, now)).as("window at " + now).isEqualTo(sum(model.subMap(from, true, now, true)));
            }
        }
        assertThat(copy.starts().length).isLessThanOrEqualTo(200);
    }

    private static RollingBuckets reload(TreeMap<Long, Long> model, long from) {
        Map<Long, Long> tail = model.tailMap(from, true);
        return new RollingBuckets(from, tail.keySet().stream().mapToLong(Long::longValue).toArray(),
                tail.values().stream().mapToLong(Long::longValue).toArray());
    }

    private static long sum(RollingBuckets copy, long from, long to) {
        long sum = 0;
        for (int i = 0; i < copy.starts().length; i++) {
            if (copy.starts()[i] >= from && copy.starts()[i] <= to) {
                sum += copy.amounts()[i];
            }
        }
        return sum;
    }

    private static long sum(Map<Long, Long> buckets) {
        return buckets.values().stream().mapToLong(Long::longValue).sum();
    }
}
