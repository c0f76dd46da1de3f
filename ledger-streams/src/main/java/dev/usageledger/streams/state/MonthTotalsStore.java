package dev.usageledger.streams.state;

import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.store.CombiningStores;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Each tenant's totals per UTC calendar month ({@value Names#TOTALS_MONTH_STORE}), kept for good:
 * the bound every report cell of the tenant stays within. Enforcement refuses an event that would
 * take one of them past a long ({@code amount_overflow}), so no quarter, hour or day the
 * reporting part sums from counted events can overflow. Keyed
 * {@code tenant \0 tenant \0 tenant-id \0 yyyy-MM} (the tenant's scope key, then the month).
 */
public final class MonthTotalsStore {
    private final KeyValueStore<String, Totals> store;

    public MonthTotalsStore(KeyValueStore<String, Totals> store) {
        this.store = store;
    }

    /** The store: its writes are combined in memory until the task commits. */
    public static StoreBuilder<KeyValueStore<String, Totals>> builder() {
        return CombiningStores.keyValueStore(Stores.persistentKeyValueStore(Names.TOTALS_MONTH_STORE), Totals.serde(),
                CombiningStores.MAX_PENDING).withCachingDisabled();
    }

    /** The key of a tenant's month, {@code month} as {@code yyyy-MM}. */
    public static String key(String tenant, String month) {
        return tenant + KeyParts.SEP + "tenant" + KeyParts.SEP + tenant + KeyParts.SEP + month;
    }

    /** The month's totals, or null when nothing was counted in it. */
    public Totals get(String key) {
        return store.get(key);
    }

    public void put(String key, Totals totals) {
        store.put(key, totals);
    }
}
