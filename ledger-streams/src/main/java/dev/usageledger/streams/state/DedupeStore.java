package dev.usageledger.streams.state;

import dev.usageledger.streams.Names;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The dedupe store ({@value Names#DEDUPE_STORE}): the ids of the events counted, each stamped
 * with its event's time, keyed {@code tenant \0 event-id}. A window store, so its retention
 * forgets an id once no event it could be a repeat of can arrive. A Bloom filter over the keys in
 * the store ({@link IdFilter}, built from the store when the task starts and grown with each
 * mark) answers "never seen" for nearly every new id without reading the store; the store is read
 * only for the ids the filter may have seen (repeats, and about 1 % of the others).
 */
public final class DedupeStore {
    private static final long MIN_CAPACITY = 1 << 20;

    private final WindowStore<String, Long> store;
    private IdFilter filter;

    public DedupeStore(WindowStore<String, Long> store) {
        this.store = store;
        this.filter = filterOfStore(MIN_CAPACITY);
    }

    /** A filter holding every key of the store, sized for twice as many (at least {@code capacity}). */
    private IdFilter filterOfStore(long capacity) {
        java.util.List<String> keys = new java.util.ArrayList<>();
        try (KeyValueIterator<Windowed<String>, Long> all = store.all()) {
            all.forEachRemaining(kv -> keys.add(kv.key.key()));
        }
        IdFilter built = new IdFilter(Math.max(capacity, 2L * keys.size()));
        keys.forEach(built::add);
        return built;
    }

    /**
     * The store, keeping ids for {@code retention} (the dedupe horizon plus the late grace).
     * Uncached: nearly every event id is new, so a record cache would only fill with keys read once.
     */
    public static StoreBuilder<WindowStore<String, Long>> builder(Duration retention) {
        return Stores.windowStoreBuilder(Stores.persistentWindowStore(Names.DEDUPE_STORE, retention, Duration.ofMillis(1), false),
                Serdes.String(), Serdes.Long()).withCachingDisabled();
    }

    /** Whether the tenant's event id was marked at an event time in {@code [fromMs, toMs]}. */
    public boolean marked(String tenant, String eventId, long fromMs, long toMs) {
        String key = key(tenant, eventId);
        if (!filter.mightContain(key)) {
            return false;
        }
        try (WindowStoreIterator<Long> earlier = store.fetch(key, fromMs, toMs)) {
            return earlier.hasNext();
        }
    }

    /** Marks the tenant's event id as counted at the event time {@code atMs}. */
    public void mark(String tenant, String eventId, long atMs) {
        String key = key(tenant, eventId);
        store.put(key, atMs, atMs);
        filter.add(key);
        if (filter.full()) { // rebuilt from the store, which has dropped the ids past its retention
            filter = filterOfStore(2 * filter.added());
        }
    }

    static String key(String tenant, String eventId) {
        return tenant + KeyParts.SEP + eventId;
    }
}
