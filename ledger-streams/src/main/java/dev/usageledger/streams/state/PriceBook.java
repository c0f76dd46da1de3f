package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.AvroStoreSerde;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The price book ({@value Names#PRICE_STORE}, a global store kept from the compacted prices
 * topic): every entry of every model's price history, keyed {@code provider/model \0 effective-from}
 * so that the price in force at an instant is one reverse range step away. Topic keys are
 * {@code provider/model@effective-from-millis}; a tombstone removes that entry.
 */
public sealed class PriceBook permits PriceBook.Writable {
    private final ReadOnlyKeyValueStore<String, PriceChange> store;

    /** The book over a store the caller may only read (the query service's view of the global store). */
    public PriceBook(ReadOnlyKeyValueStore<String, PriceChange> store) {
        this.store = store;
    }

    /** The global store, without a changelog: the compacted prices topic is its log. */
    public static StoreBuilder<KeyValueStore<String, PriceChange>> builder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Names.PRICE_STORE), Serdes.String(),
                AvroStoreSerde.of(PriceChange.class)).withLoggingDisabled();
    }

    /** The prices topic's key of one price-history entry. */
    public static String topicKey(String provider, String model, long effectiveFromMillis) {
        return modelKey(provider, model) + "@" + effectiveFromMillis;
    }

    /** The price of a model in force at {@code at}, or null when it has none then. */
    public PriceChange priceAt(String provider, String model, Instant at) {
        if (provider == null || model == null) {
            return null;
        }
        String modelKey = modelKey(provider, model);
        try (KeyValueIterator<String, PriceChange> inForce = store.reverseRange(storeKey(modelKey, Long.MIN_VALUE),
                storeKey(modelKey, at.toEpochMilli()))) {
            return inForce.hasNext() ? inForce.next().value : null;
        }
    }

    /** Every entry of a model's price history, oldest first. */
    public List<PriceChange> history(String provider, String model) {
        String modelKey = modelKey(provider, model);
        List<PriceChange> entries = new ArrayList<>();
        try (KeyValueIterator<String, PriceChange> all = store.range(storeKey(modelKey, Long.MIN_VALUE),
                storeKey(modelKey, Long.MAX_VALUE))) {
            all.forEachRemaining(kv -> entries.add(kv.value));
        }
        return entries;
    }

    static String modelKey(String provider, String model) {
        return provider + "/" + model;
    }

    /** Store keys sort by model, then by effective time. */
    static String storeKey(String modelKey, long effectiveFromMillis) {
        return modelKey + KeyParts.SEP + KeyParts.sortable(effectiveFromMillis);
    }

    /** The book as the price book's processor keeps it. */
    public static final class Writable extends PriceBook {
        private final KeyValueStore<String, PriceChange> store;

        public Writable(KeyValueStore<String, PriceChange> store) {
            super(store);
            this.store = store;
        }

        /** Puts an entry of a model's price history in the book. */
        public void put(PriceChange price) {
            store.put(storeKey(modelKey(price.getProvider(), price.getModel()), price.getEffectiveFrom().toEpochMilli()), price);
        }

        /**
         * Removes the entry a tombstone's topic key names; a key without an effective time names
         * none and is ignored.
         *
         * @throws NumberFormatException when the effective time is not a number
         */
        public void remove(String topicKey) {
            int at = topicKey == null ? -1 : topicKey.lastIndexOf('@');
            if (at > 0) {
                store.delete(storeKey(topicKey.substring(0, at), Long.parseLong(topicKey.substring(at + 1))));
            }
        }
    }
}
