package dev.usageledger.query.state;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Remembers the seeds of counters not yet created, so a check of a budget with no usage yet in
 * its period (every user's daily budget, early in the day) reads a map instead of the totals
 * buckets. A seed is what the totals hold for the policy's member over the period, and while the
 * counter does not exist it cannot change: the policy step creates the counter with the first
 * event that counts toward it once the policy is in the book. So a seed is kept only when read
 * after the partition settled on the current book (see {@link Progress#settledSinceBookChange}),
 * and used only while the book is unchanged.
 */
final class SeedMemo {
    private static final int MAX_ENTRIES = 200_000;

    private record Seed(long value, long bookVersion) {
    }

    private final Progress progress;
    private final ConcurrentHashMap<String, Seed> seeds = new ConcurrentHashMap<>();

    SeedMemo(Progress progress) {
        this.progress = progress;
    }

    long seed(int partition, String counterKey, LongSupplier read) {
        long version = progress.bookVersion();
        Seed known = seeds.get(counterKey);
        if (known != null && known.bookVersion() == version) {
            return known.value();
        }
        boolean settled = progress.settledSinceBookChange(partition);
        long value = read.getAsLong();
        if (settled) {
            if (seeds.size() >= MAX_ENTRIES) {
                seeds.clear();
            }
            seeds.put(counterKey, new Seed(value, version));
        }
        return value;
    }
}
