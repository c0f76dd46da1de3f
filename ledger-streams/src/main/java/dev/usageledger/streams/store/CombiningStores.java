package dev.usageledger.streams.store;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Store builders that put a combining layer over Kafka's own stores. They are Kafka's builders,
 * as {@code Stores.windowStoreBuilder} makes them, so Kafka Streams still sees a window store and
 * gives its changelog the store's retention.
 */
public final class CombiningStores {
    private CombiningStores() {
    }

    /** A window store of string keys under a {@link CombiningWindowStore} whose grain is the supplier's window size. */
    public static <V> StoreBuilder<WindowStore<String, V>> windowStore(WindowBytesStoreSupplier supplier, Serde<V> valueSerde,
                                                                       int maxPending) {
        return windowStore(supplier, valueSerde, maxPending, COLD_AFTER);
    }

    static <V> StoreBuilder<WindowStore<String, V>> windowStore(WindowBytesStoreSupplier supplier, Serde<V> valueSerde, int maxPending,
                                                                int coldAfter) {
        if (supplier.retainDuplicates()) {
            throw new IllegalArgumentException("store " + supplier.name() + " retains duplicates; combining its writes would merge them");
        }
        return StreamsInternals.windowStoreBuilder(supplier, valueSerde,
                built -> new CombiningWindowStore<>(built, supplier.windowSize(), maxPending, coldAfter));
    }

    /** Values a store built here holds at most between two commits before it writes them below. */
    public static final int MAX_PENDING = 50_000;

    /**
     * Writes of a store built here after which a value written only once goes below before the
     * commit ({@link Cold}): a commit then writes some thousands of values however many events its
     * interval held, while a value rewritten more often than this (a tenant's month, written by
     * one event in a thousand among a thousand tenants) still costs one write per commit.
     */
    static final int COLD_AFTER = 4_096;

    /**
     * A persistent key-value store of string keys, logged, under a {@link CombiningKeyValueStore}
     * and no record cache. Kafka's record cache guards every read from another thread with a lock
     * the stream thread holds while it flushes the cache at a commit (and while it flushes RocksDB
     * at a checkpoint), so a check or a hold decision reading the store from its own thread would
     * wait out the commit; the combining layer's reads take no lock.
     */
    public static <V> StoreBuilder<KeyValueStore<String, V>> persistentKeyValue(String name, Serde<V> valueSerde) {
        return keyValueStore(Stores.persistentKeyValueStore(name), valueSerde, MAX_PENDING).withCachingDisabled();
    }

    /** A key-value store of string keys under a {@link CombiningKeyValueStore}. */
    public static <V> StoreBuilder<KeyValueStore<String, V>> keyValueStore(KeyValueBytesStoreSupplier supplier, Serde<V> valueSerde,
                                                                           int maxPending) {
        return keyValueStore(supplier, valueSerde, maxPending, COLD_AFTER);
    }

    static <V> StoreBuilder<KeyValueStore<String, V>> keyValueStore(KeyValueBytesStoreSupplier supplier, Serde<V> valueSerde,
                                                                    int maxPending, int coldAfter) {
        return StreamsInternals.keyValueStoreBuilder(supplier, valueSerde,
                built -> new CombiningKeyValueStore<>(built, maxPending, coldAfter));
    }
}
