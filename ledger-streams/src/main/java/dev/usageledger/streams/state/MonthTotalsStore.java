package dev.usageledger.streams.state;

import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.store.CombiningStores;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The month totals ({@value Names#TOTALS_MONTH_STORE}): each scope's totals per UTC calendar
 * month, kept for good, keyed {@code scope-key \0 yyyy-MM} (the scope key of {@link TotalsStore}).
 */
public final class MonthTotalsStore {
    private final KeyValueStore<String, Totals> store;

    public MonthTotalsStore(KeyValueStore<String, Totals> store) {
        this.store = store;
    }

    /** The store: its writes are combined in memory until the task commits, like the buckets' ({@link TotalsStore#builder}). */
    public static StoreBuilder<KeyValueStore<String, Totals>> builder() {
        return CombiningStores.keyValueStore(Stores.persistentKeyValueStore(Names.TOTALS_MONTH_STORE), Totals.serde(),
                TotalsStore.PENDING_MAX).withCachingDisabled();
    }

    /** The key of a scope's month, {@code month} as {@code yyyy-MM}. */
    public static String key(String scopeKey, String month) {
        return scopeKey + KeyParts.SEP + month;
    }

    /** The month's totals, or null when nothing was counted in it. */
    public Totals get(String key) {
        return store.get(key);
    }

    public void put(String key, Totals totals) {
        store.put(key, totals);
    }
}
