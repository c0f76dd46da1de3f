package dev.usageledger.streams.rules;

import dev.usageledger.schemas.avro.Period;

/**
 * A rolling window ("the last 60 s", "the last 24 h") counted in sub-buckets: the window is
 * split into at most 60 buckets of equal length (at least one second), so the usage "in the last
 * D" at time t is the sum of the buckets starting in {@code (t - D, t]}, exact up to one bucket
 * length at the far edge, and read in at most 61 values whatever the traffic.
 */
public final class RollingWindow {
    private static final int BUCKETS_PER_WINDOW = 60;
    private static final long MIN_BUCKET_MS = 1_000;

    private RollingWindow() {
    }

    /** The window length of a rolling period. */
    public static long durationMs(Period period) {
        Long duration = period.getDurationMs();
        if (duration == null || duration <= 0) {
            throw new IllegalArgumentException("a rolling period needs duration > 0, got " + duration);
        }
        return duration;
    }

    /** The sub-bucket length for a window of {@code durationMs}. */
    public static long bucketMs(long durationMs) {
        return Math.max(MIN_BUCKET_MS, Math.ceilDiv(durationMs, BUCKETS_PER_WINDOW));
    }

    /** The start of the sub-bucket containing {@code atMs}. */
    public static long bucketStart(long atMs, long durationMs) {
        long bucket = bucketMs(durationMs);
        return Math.floorDiv(atMs, bucket) * bucket;
    }

    /** The earliest bucket start still inside the window ending at {@code atMs}. */
    public static long firstBucketInWindow(long atMs, long durationMs) {
        return bucketStart(atMs - durationMs, durationMs) + bucketMs(durationMs);
    }
}
