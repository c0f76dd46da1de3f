package dev.usageledger.cli.bench;

import java.util.Arrays;
import java.util.function.LongFunction;

/** Recorded latencies in nanoseconds and their percentiles (nearest rank). */
final class Latencies {
    private long[] samples = new long[1 << 16];
    private int count;

    synchronized void record(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, count * 2);
        }
        samples[count++] = nanos;
    }

    synchronized Summary summary() {
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        return new Summary(count, at(sorted, 0.50), at(sorted, 0.99), at(sorted, 0.999), count == 0 ? 0 : sorted[count - 1]);
    }

    private static long at(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(quantile * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** Percentiles in nanoseconds. */
    record Summary(int samples, long p50, long p99, long p999, long max) {
        String row(String label) {
            return row(label, Summary::micros);
        }

        /** A markdown row: the label, the samples, then p50, p99, p99.9 and max, each as {@code format} writes it. */
        String row(String label, LongFunction<String> format) {
            return String.format("| %s | %,d | %s | %s | %s | %s |", label, samples, format.apply(p50), format.apply(p99),
                    format.apply(p999), format.apply(max));
        }

        static String micros(long nanos) {
            return String.format("%,.1f µs", nanos / 1_000.0);
        }

        /** Milliseconds with two decimals, no unit (for a table whose header names it). */
        static String millis(long nanos) {
            return String.format("%,.2f", nanos / 1_000_000.0);
        }
    }
}
