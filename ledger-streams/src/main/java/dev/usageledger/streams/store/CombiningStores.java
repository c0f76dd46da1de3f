package dev.usageledger.streams.store;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.internals.KeyValueStoreBuilder;
import org.apache.kafka.streams.state.internals.WindowStoreBuilder;

/**
 * Store builders that put a combining layer over Kafka's own stores. They extend Kafka's
 * builders, as {@code Stores.windowStoreBuilder} makes them, so Kafka Streams still sees a window
 * store and gives its changelog the store's retention.
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
        return new WindowStoreBuilder<>(supplier, Serdes.String(), valueSerde, Time.SYSTEM) {
            @Override
            public WindowStore<String, V> build() {
                return new CombiningWindowStore<>(super.build(), supplier.windowSize(), maxPending);
            }
        };
    }

    /** A key-value store of string keys under a {@link CombiningKeyValueStore}. */
    public static <V> StoreBuilder<KeyValueStore<String, V>> keyValueStore(KeyValueBytesStoreSupplier supplier, Serde<V> valueSerde,
                                                                           int maxPending) {
        return new KeyValueStoreBuilder<>(supplier, Serdes.String(), valueSerde, Time.SYSTEM) {
            @Override
            public KeyValueStore<String, V> build() {
                return new CombiningKeyValueStore<>(super.build(), maxPending);
            }
        };
    }
}
