package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.store.CombiningStores;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * A store of totals buckets, one of {@value Names#TOTALS_MINUTE_STORE}, {@value Names#TOTALS_HOUR_STORE}
 * and {@value Names#TOTALS_DAY_STORE}: a window store whose windows are the buckets, keyed by
 * scope, {@code tenant \0 scope-type \0 scope-id}. Tenant first, so every key of a tenant sorts
 * together and "all models of tenant acme" is one range scan. Old buckets leave with the store's
 * segments.
 */
public sealed class TotalsStore permits TotalsStore.Writable {
    /** Between the parts of a scope key. */
    public static final char SEPARATOR = KeyParts.SEP;
    /** Totals buckets a store holds in memory per task between commits before it writes them early. */
    static final int PENDING_MAX = CombiningStores.MAX_PENDING;

    private final ReadOnlyWindowStore<String, Totals> store;

    /** The buckets over a store the caller may only read (the query service's view of a partition). */
    public TotalsStore(ReadOnlyWindowStore<String, Totals> store) {
        this.store = store;
    }

    /**
     * The store {@code name} of buckets {@code bucketMs} long, kept for {@code retention}. The
     * buckets an event changes are combined in memory until the task commits, so a bucket many
     * events touch between two commits is written once.
     */
    public static StoreBuilder<WindowStore<String, Totals>> builder(String name, Duration retention, long bucketMs) {
        return CombiningStores.windowStore(Stores.persistentWindowStore(name, retention, Duration.ofMillis(bucketMs), false),
                Totals.serde(), PENDING_MAX).withCachingDisabled();
    }

    /** The key of a scope's buckets; the month totals are keyed by it too ({@link MonthTotalsStore}). */
    public static String scopeKey(String tenant, SubjectType type, String id) {
        return tenant + SEPARATOR + type.name() + SEPARATOR + id;
    }

    /** The scope's bucket starting at {@code bucketStart}, or null when nothing was counted in it. */
    public Totals bucket(String scopeKey, long bucketStart) {
        return store.fetch(scopeKey, bucketStart);
    }

    /** The sum of the scope's buckets that start in {@code [from, to]} (zero when {@code to < from}). */
    public Totals sum(String scopeKey, long from, long to) {
        Totals sum = Totals.ZERO;
        if (to < from) {
            return sum;
        }
        try (WindowStoreIterator<Totals> buckets = store.fetch(scopeKey, Instant.ofEpochMilli(from), Instant.ofEpochMilli(to))) {
            while (buckets.hasNext()) {
                sum = sum.plus(buckets.next().value);
            }
        }
        return sum;
    }

    /** The scope's buckets that start in {@code [from, to]}, by start. */
    public Map<Long, Totals> buckets(String scopeKey, Instant from, Instant to) {
        Map<Long, Totals> found = new TreeMap<>();
        try (WindowStoreIterator<Totals> buckets = store.fetch(scopeKey, from, to)) {
            buckets.forEachRemaining(kv -> found.put(kv.key, kv.value));
        }
        return found;
    }

    /**
     * Adds to {@code byMember} the buckets that start in {@code [from, to]} of each member of
     * {@code type} in the tenant, by member (one range scan; nothing when {@code to < from}).
     */
    public void addByMember(Map<String, Totals> byMember, String tenant, SubjectType type, long from, long to) {
        if (to < from) {
            return;
        }
        String prefix = scopeKey(tenant, type, "");
        try (KeyValueIterator<Windowed<String>, Totals> range = store.fetch(prefix, prefix + '\uffff', Instant.ofEpochMilli(from),
                Instant.ofEpochMilli(to))) {
            range.forEachRemaining(kv -> {
                String key = kv.key.key();
                if (key.startsWith(prefix)) {
                    byMember.merge(key.substring(prefix.length()), kv.value, Totals::plus);
                }
            });
        }
    }

    /** The buckets as the count step writes them. */
    public static final class Writable extends TotalsStore {
        private final WindowStore<String, Totals> store;

        public Writable(WindowStore<String, Totals> store) {
            super(store);
            this.store = store;
        }

        /** Writes the scope's bucket starting at {@code bucketStart}. */
        public void put(String scopeKey, long bucketStart, Totals totals) {
            store.put(scopeKey, totals, bucketStart);
        }
    }
}
