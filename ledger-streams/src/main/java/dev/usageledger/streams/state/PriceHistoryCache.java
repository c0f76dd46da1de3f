package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.PriceChange;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each model's price history, read from the global price book on first use and kept until the
 * book changes: rating asks for the price in force on every event without a cost of its caller,
 * which must not cost a RocksDB range scan and the decoding of a price. The book's processor
 * invalidates the cache after each change; the version is read before a history is loaded, so one
 * loaded while a change lands is loaded again on the next read.
 */
public final class PriceHistoryCache {
    private record Entry(long version, long[] from, PriceChange[] prices) {
    }

    private final AtomicLong version = new AtomicLong();
    private final ConcurrentHashMap<String, Entry> models = new ConcurrentHashMap<>();

    /** The model's price in force at {@code at} as the book holds it now, or null when it has none then. */
    public PriceChange priceAt(PriceBook book, String provider, String model, Instant at) {
        if (provider == null || model == null) {
            return null;
        }
        long current = version.get();
        String key = PriceBook.modelKey(provider, model);
        Entry entry = models.get(key);
        if (entry == null || entry.version != current) {
            List<PriceChange> history = book.history(provider, model); // oldest first
            long[] from = new long[history.size()];
            for (int i = 0; i < from.length; i++) {
                from[i] = history.get(i).getEffectiveFrom().toEpochMilli();
            }
            entry = new Entry(current, from, history.toArray(PriceChange[]::new));
            models.put(key, entry);
        }
        int found = Arrays.binarySearch(entry.from, at.toEpochMilli());
        int inForce = found >= 0 ? found : -found - 2; // the last entry in force at or before the instant
        return inForce >= 0 ? entry.prices[inForce] : null;
    }

    /** The book changed: every history is read again on its next use. */
    public void invalidate() {
        version.incrementAndGet();
    }
}
