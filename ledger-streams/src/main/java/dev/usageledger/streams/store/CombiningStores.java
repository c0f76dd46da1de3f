package dev.usageledger.streams.store;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
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
        if (supplier.retainDuplicates()) {
            throw new IllegalArgumentException("store " + supplier.name() + " retains duplicates; combining its writes would merge them");
        }
        return StreamsInternals.windowStoreBuilder(supplier, valueSerde,
                built -> new CombiningWindowStore<>(built, supplier.windowSize(), maxPending));
    }

    /** A key-value store of string keys under a {@link CombiningKeyValueStore}. */
    public static <V> StoreBuilder<KeyValueStore<String, V>> keyValueStore(KeyValueBytesStoreSupplier supplier, Serde<V> valueSerde,
                                                                           int maxPending) {
        return StreamsInternals.keyValueStoreBuilder(supplier, valueSerde, built -> new CombiningKeyValueStore<>(built, maxPending));
    }
}
