package dev.usageledger.streams.live;

import dev.usageledger.streams.rules.RollingWindow;
import java.time.Instant;
import java.util.Arrays;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * A copy of one rolling window's sub-buckets: every bucket the store holds from {@code coveredFrom}
 * on, oldest first. Immutable: the writer replaces it with a new copy after each write.
 */
public record RollingBuckets(long coveredFrom, long[] starts, long[] amounts) {

    /** What {@code store} holds for {@code key} from {@code from} on. */
    public static RollingBuckets load(ReadOnlyWindowStore<String, Long> store, String key, long from) {
        long[] starts = new long[8];
        long[] amounts = new long[8];
        int n = 0;
        try (WindowStoreIterator<Long> it = store.fetch(key, Instant.ofEpochMilli(from), Instant.ofEpochMilli(Long.MAX_VALUE))) {
            while (it.hasNext()) {
                var bucket = it.next();
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, n * 2);
                    amounts = Arrays.copyOf(amounts, n * 2);
                }
                starts[n] = bucket.key;
                amounts[n] = bucket.value;
                n++;
            }
        }
        return new RollingBuckets(from, Arrays.copyOf(starts, n), Arrays.copyOf(amounts, n));
    }

    /**
     * This copy with the bucket at {@code start} now holding {@code amount}, without the buckets
     * no window of {@code durationMs} ending at or after the newest bucket can reach. The bucket
     * must be covered ({@code start >= coveredFrom}).
     */
    public RollingBuckets with(long start, long amount, long durationMs) {
        if (start < coveredFrom) {
            throw new IllegalArgumentException("bucket " + start + " is before the copy's first " + coveredFrom);
        }
        long newest = starts.length == 0 ? start : Math.max(start, starts[starts.length - 1]);
        long from = Math.max(coveredFrom, RollingWindow.firstBucketInWindow(newest, durationMs));
        long[] nextStarts = new long[starts.length + 1];
        long[] nextAmounts = new long[starts.length + 1];
        int n = 0;
        boolean placed = start < from;
        for (int i = 0; i < starts.length; i++) {
            if (!placed && start <= starts[i]) {
                nextStarts[n] = start;
                nextAmounts[n++] = amount;
                placed = true;
                if (start == starts[i]) {
                    continue;
                }
            }
            if (starts[i] >= from) {
                nextStarts[n] = starts[i];
                nextAmounts[n++] = amounts[i];
            }
        }
        if (!placed) {
            nextStarts[n] = start;
            nextAmounts[n++] = amount;
        }
        return new RollingBuckets(from, Arrays.copyOf(nextStarts, n), Arrays.copyOf(nextAmounts, n));
    }

    /** The amount of the bucket at {@code start}, or null when it holds nothing (the copy must cover it). */
    public Long amountAt(long start) {
        int i = Arrays.binarySearch(starts, start);
        return i >= 0 ? amounts[i] : null;
    }

    /** Whether this copy holds every bucket from {@code from} on. */
    public boolean covers(long from) {
        return from >= coveredFrom;
    }
}
