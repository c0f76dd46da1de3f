package dev.usageledger.streams.state;

import dev.usageledger.streams.Names;
import dev.usageledger.streams.live.RollingBuckets;
import dev.usageledger.streams.rules.RollingWindow;
import dev.usageledger.streams.store.CombiningStores;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The rolling policies' sub-buckets ({@value Names#ROLLING_COUNTER_STORE}): a window store whose
 * windows are the sub-buckets of each rolling policy and member, keyed
 * {@code tenant \0 policy-id \0 member}. Buckets are stamped with their own start, so the store's
 * retention drops them once no window can reach them.
 */
public sealed class RollingCounterStore permits RollingCounterStore.Writable {
    private final ReadOnlyWindowStore<String, Long> store;

    /** The buckets over a store the caller may only read (the query service's view of a partition). */
    public RollingCounterStore(ReadOnlyWindowStore<String, Long> store) {
        this.store = store;
    }

    /**
     * The store: persistent, keeping buckets for {@code retention} (the longest rolling window plus
     * the late grace), its writes combined in memory until the task commits
     * ({@link CombiningStores#windowStore}; a bucket's start is on any millisecond, as a window's
     * sub-buckets are a sixtieth of it).
     */
    public static StoreBuilder<WindowStore<String, Long>> builder(Duration retention) {
        return CombiningStores.windowStore(Stores.persistentWindowStore(Names.ROLLING_COUNTER_STORE, retention, Duration.ofMillis(1),
                false), Serdes.Long(), CombiningStores.MAX_PENDING).withCachingDisabled();
    }

    /** The key of a rolling policy's buckets for one member. */
    public static String key(String tenant, String policyId, String member) {
        return tenant + KeyParts.SEP + policyId + KeyParts.SEP + member;
    }

    /** The amount in the bucket starting at {@code bucketStart}, or null when it holds nothing. */
    public Long bucket(String key, long bucketStart) {
        return store.fetch(key, bucketStart);
    }

    /** The usage in the rolling window of {@code durationMs} ending at {@code atMs}. */
    public long usage(String key, long atMs, long durationMs) {
        long sum = 0;
        try (WindowStoreIterator<Long> buckets = store.fetch(key, Instant.ofEpochMilli(
                RollingWindow.firstBucketInWindow(atMs, durationMs)), Instant.ofEpochMilli(atMs))) {
            while (buckets.hasNext()) {
                sum = Math.addExact(sum, buckets.next().value);
            }
        }
        return sum;
    }

    /** The rolling window's sub-buckets as {@code [start, amount]} pairs, oldest first. */
    public long[][] buckets(String key, long atMs, long durationMs) {
        List<long[]> buckets = new ArrayList<>();
        try (WindowStoreIterator<Long> it = store.fetch(key, Instant.ofEpochMilli(
                RollingWindow.firstBucketInWindow(atMs, durationMs)), Instant.ofEpochMilli(atMs))) {
            while (it.hasNext()) {
                var bucket = it.next();
                buckets.add(new long[] {bucket.key, bucket.value});
            }
        }
        return buckets.toArray(long[][]::new);
    }

    /** A copy of every bucket held under {@code key} from {@code from} on, for the live copies. */
    public RollingBuckets copyFrom(String key, long from) {
        return RollingBuckets.load(store, key, from);
    }

    /** The buckets as the count step writes them. */
    public static final class Writable extends RollingCounterStore {
        private final WindowStore<String, Long> store;

        public Writable(WindowStore<String, Long> store) {
            super(store);
            this.store = store;
        }

        /** Writes the bucket starting at {@code bucketStart}. */
        public void put(String key, long bucketStart, long amount) {
            store.put(key, amount, bucketStart);
        }
    }
}
