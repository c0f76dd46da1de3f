package dev.usageledger.streams.state;

import dev.usageledger.streams.Names;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The dedupe store ({@value Names#DEDUPE_STORE}): the ids of the events counted, each stamped
 * with its event's time, keyed {@code tenant \0 event-id}. A window store, so its retention
 * forgets an id once no event it could be a repeat of can arrive.
 */
public final class DedupeStore {
    private final WindowStore<String, Long> store;

    public DedupeStore(WindowStore<String, Long> store) {
        this.store = store;
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
        try (WindowStoreIterator<Long> earlier = store.fetch(key(tenant, eventId), fromMs, toMs)) {
            return earlier.hasNext();
        }
    }

    /** Marks the tenant's event id as counted at the event time {@code atMs}. */
    public void mark(String tenant, String eventId, long atMs) {
        store.put(key(tenant, eventId), atMs, atMs);
    }

    static String key(String tenant, String eventId) {
        return tenant + KeyParts.SEP + eventId;
    }
}
