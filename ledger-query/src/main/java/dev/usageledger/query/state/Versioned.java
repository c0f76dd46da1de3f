package dev.usageledger.query.state;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A read-through cache whose entries hold while a version number stays the same. The version is
 * read before the value is computed, so a change that lands during the computation only makes
 * the entry stale sooner, never wrong for longer.
 */
final class Versioned<K, V> {
    private record Entry<V>(long version, V value) {
    }

    private final ConcurrentHashMap<K, Entry<V>> entries = new ConcurrentHashMap<>();
    private final LongSupplier version;

    Versioned(LongSupplier version) {
        this.version = version;
    }

    V get(K key, Function<K, V> load) {
        long current = version.getAsLong();
        Entry<V> entry = entries.get(key);
        if (entry != null && entry.version == current) {
            return entry.value;
        }
        V value = load.apply(key);
        entries.put(key, new Entry<>(current, value));
        return value;
    }
}
