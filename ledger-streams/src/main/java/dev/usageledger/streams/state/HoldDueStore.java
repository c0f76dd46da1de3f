package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.store.CombiningStores;
import java.util.function.BiConsumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * When each hold next needs attention ({@value Names#HOLD_DUE_STORE}): a placed hold at its
 * expiry, a finished one when it may be forgotten. Keyed {@code due-time \0 hold-key} (the time
 * sortable) with the hold's key ({@link HoldStore#key}) as the value, so the holds due by a time
 * are one range.
 */
public final class HoldDueStore {
    private final KeyValueStore<String, String> store;

    public HoldDueStore(KeyValueStore<String, String> store) {
        this.store = store;
    }

    /** The store: persistent, its writes combined in memory until the task commits ({@link CombiningStores#persistentKeyValue}). */
    public static StoreBuilder<KeyValueStore<String, String>> builder() {
        return CombiningStores.persistentKeyValue(Names.HOLD_DUE_STORE, Serdes.String());
    }

    /** The entry's key of a hold due at {@code atMs}. */
    public static String key(long atMs, String holdKey) {
        return KeyParts.sortable(atMs) + KeyParts.SEP + holdKey;
    }

    /** A placed hold is due at its expiry. */
    public void duePlaced(HoldState hold, String holdKey) {
        store.put(key(hold.getExpiresAt().toEpochMilli(), holdKey), holdKey);
    }

    /** A hold that ended (or was denied) is due to be forgotten once it has been kept {@code keepMs} past its expiry. */
    public void dueFinished(HoldState hold, String holdKey, long keepMs) {
        long expiresAt = hold.getExpiresAt().toEpochMilli();
        store.delete(key(expiresAt, holdKey));
        store.put(key(expiresAt + keepMs, holdKey), holdKey);
    }

    /** The hold is due at {@code atMs} (a no-op when that entry is there). */
    public void put(long atMs, String holdKey) {
        store.put(key(atMs, holdKey), holdKey);
    }

    /** Gives each entry due at or before {@code nowMs}, oldest first, to {@code each} as its key and its hold's key. */
    public void forEachDueBy(long nowMs, BiConsumer<String, String> each) {
        try (KeyValueIterator<String, String> entries = store.range("", KeyParts.sortable(nowMs) + '\u0001')) {
            while (entries.hasNext()) {
                var entry = entries.next();
                each.accept(entry.key, entry.value);
            }
        }
    }

    /** Deletes the entry under {@code key}. */
    public void delete(String key) {
        store.delete(key);
    }
}
