package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.AvroStoreSerde;
import dev.usageledger.streams.store.CombiningStores;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * The holds ({@value Names#HOLD_STORE}): each hold's state and answer, keyed
 * {@code tenant \0 hold-id}: tenant first, so a tenant's holds are in its partition and sort
 * together.
 */
public sealed class HoldStore permits HoldStore.Writable {
    private final ReadOnlyKeyValueStore<String, HoldState> store;

    /** The holds over a store the caller may only read (the query service's view of a partition). */
    public HoldStore(ReadOnlyKeyValueStore<String, HoldState> store) {
        this.store = store;
    }

    /** The store: persistent, its writes combined in memory until the task commits ({@link CombiningStores#persistentKeyValue}). */
    public static StoreBuilder<KeyValueStore<String, HoldState>> builder() {
        return CombiningStores.persistentKeyValue(Names.HOLD_STORE, AvroStoreSerde.of(HoldState.class));
    }

    /** The key of a tenant's hold. */
    public static String key(String tenant, String holdId) {
        return tenant + KeyParts.SEP + holdId;
    }

    /** The tenant's hold, or null when there is none (never placed, or forgotten). */
    public HoldState get(String tenant, String holdId) {
        return get(key(tenant, holdId));
    }

    /** The hold under {@code key}, or null. */
    public HoldState get(String key) {
        return store.get(key);
    }

    /** Gives each of the tenant's holds to {@code each}, in hold id order (a range over the tenant's keys). */
    public void forEachOf(String tenant, Consumer<HoldState> each) {
        // keys are tenant \0 hold-id: the tenant's run ends before tenant \1
        try (KeyValueIterator<String, HoldState> holds = store.range(tenant + KeyParts.SEP, tenant + (char) (KeyParts.SEP + 1))) {
            while (holds.hasNext()) {
                each.accept(holds.next().value);
            }
        }
    }

    /** The holds as the holds and count steps write them. */
    public static final class Writable extends HoldStore {
        private final KeyValueStore<String, HoldState> store;

        public Writable(KeyValueStore<String, HoldState> store) {
            super(store);
            this.store = store;
        }

        public void put(String key, HoldState hold) {
            store.put(key, hold);
        }

        public void delete(String key) {
            store.delete(key);
        }

        /** Gives every hold, with its key, to {@code each}. */
        public void forEach(BiConsumer<String, HoldState> each) {
            try (KeyValueIterator<String, HoldState> all = store.all()) {
                while (all.hasNext()) {
                    var kv = all.next();
                    each.accept(kv.key, kv.value);
                }
            }
        }
    }
}
