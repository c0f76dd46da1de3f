package dev.usageledger.streams.live;

import dev.usageledger.streams.model.PolicyCounter;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * Copies of the values a check reads (policy counters, rolling-window buckets, held amounts),
 * kept by the stream threads as they write them, for a process that answers checks on the same
 * JVM as its topology. A check reads a few hash maps instead of the stores, so it never waits for
 * a store's cache while the stream thread flushes it at a commit and never opens a RocksDB
 * iterator for a rolling window.
 */
public final class LiveState {
    /** Values kept per partition and kind before the copy starts afresh. */
    public static final int MAX_ENTRIES = 200_000;

    private final Mirror<PolicyCounter> counters = new Mirror<>(MAX_ENTRIES);
    private final Mirror<RollingBuckets> rolling = new Mirror<>(MAX_ENTRIES);
    private final Mirror<Long> held = new Mirror<>(MAX_ENTRIES);
    private final DirectReads direct = new DirectReads();

    public Mirror<PolicyCounter> counters() {
        return counters;
    }

    public Mirror<RollingBuckets> rolling() {
        return rolling;
    }

    public Mirror<Long> held() {
        return held;
    }

    /** The active tasks' own key-value stores, for point reads that skip the query path's task lookup. */
    public DirectReads direct() {
        return direct;
    }

    /** The counter store of an active partition, its point reads answered from the copy. */
    public ReadOnlyKeyValueStore<String, PolicyCounter> counters(int partition, ReadOnlyKeyValueStore<String, PolicyCounter> store) {
        return new PointReads<>(store, key -> counters.read(partition, key, store::get));
    }

    /** The held store of an active partition, its point reads answered from the copy. */
    public ReadOnlyKeyValueStore<String, Long> held(int partition, ReadOnlyKeyValueStore<String, Long> store) {
        return new PointReads<>(store, key -> held.read(partition, key, store::get));
    }

    /** The rolling store of an active partition, a key's recent buckets answered from the copy. */
    public ReadOnlyWindowStore<String, Long> rolling(int partition, ReadOnlyWindowStore<String, Long> store) {
        return new ReadThroughRolling(rolling, partition, store);
    }
}
