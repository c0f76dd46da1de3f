package dev.usageledger.streams.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The key-value form of {@link CombiningWindowStore}: values written since the task's last
 * commit are held in memory and written below once, when the task commits, in the same
 * transaction as the offsets of the events that made them. Reads from any thread see them.
 */
public final class CombiningKeyValueStore<V> extends CombiningLayer<KeyValueStore<String, V>, V> implements KeyValueStore<String, V> {
    private static final Object DELETED = new Object();

    private final int maxPending;
    private final Map<String, Object> pending = new ConcurrentHashMap<>();

    /** @param maxPending values held at most; one more writes them all below before the commit */
    public CombiningKeyValueStore(KeyValueStore<String, V> inner, int maxPending) {
        super(inner);
        if (maxPending <= 0) {
            throw new IllegalArgumentException("maxPending must be positive: " + maxPending);
        }
        this.maxPending = maxPending;
    }

    @Override
    public void put(String key, V value) {
        pending.put(key, value == null ? DELETED : value);
        if (pending.size() > maxPending) {
            writeBelow();
        }
    }

    @Override
    public V putIfAbsent(String key, V value) {
        V current = get(key);
        if (current == null) {
            put(key, value);
        }
        return current;
    }

    @Override
    public void putAll(List<KeyValue<String, V>> entries) {
        for (KeyValue<String, V> entry : entries) {
            put(entry.key, entry.value);
        }
    }

    @Override
    public V delete(String key) {
        V current = get(key);
        put(key, null);
        return current;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(String key) {
        Object held = pending.get(key);
        if (held != null) {
            return held == DELETED ? null : (V) held;
        }
        return wrapped().get(key);
    }

    @Override
    public KeyValueIterator<String, V> range(String from, String to) {
        Map<String, Object> snapshot = Map.copyOf(pending);
        return merged(snapshot, wrapped().range(from, to), key -> inRange(key, from, to), true);
    }

    @Override
    public KeyValueIterator<String, V> reverseRange(String from, String to) {
        Map<String, Object> snapshot = Map.copyOf(pending);
        return merged(snapshot, wrapped().reverseRange(from, to), key -> inRange(key, from, to), false);
    }

    @Override
    public KeyValueIterator<String, V> all() {
        Map<String, Object> snapshot = Map.copyOf(pending);
        return merged(snapshot, wrapped().all(), key -> true, true);
    }

    @Override
    public KeyValueIterator<String, V> reverseAll() {
        Map<String, Object> snapshot = Map.copyOf(pending);
        return merged(snapshot, wrapped().reverseAll(), key -> true, false);
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<String, V> prefixScan(P prefix, PS prefixKeySerializer) {
        Map<String, Object> snapshot = Map.copyOf(pending);
        byte[] wanted = prefixKeySerializer.serialize(null, prefix);
        return merged(snapshot, wrapped().prefixScan(prefix, prefixKeySerializer), key -> startsWith(key, wanted), true);
    }

    @Override
    public long approximateNumEntries() {
        return wrapped().approximateNumEntries() + pending.size();
    }

    /** How many values are held, for tests. */
    public int pendingValues() {
        return pending.size();
    }

    @Override
    protected void forget() {
        pending.clear();
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void writeBelow() {
        if (pending.isEmpty()) {
            return;
        }
        List<KeyValue<String, V>> batch = new ArrayList<>(pending.size());
        pending.forEach((key, value) -> batch.add(KeyValue.pair(key, value == DELETED ? null : (V) value)));
        wrapped().putAll(batch); // one RocksDB write batch
        pending.clear(); // only now: a reader that misses a key from here on finds its value below
    }

    private static boolean inRange(String key, String from, String to) {
        return (from == null || Keys.BYTE_ORDER.compare(key, from) >= 0) && (to == null || Keys.BYTE_ORDER.compare(key, to) <= 0);
    }

    private static boolean startsWith(String key, byte[] prefix) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    @SuppressWarnings("unchecked")
    private KeyValueIterator<String, V> merged(Map<String, Object> snapshot, KeyValueIterator<String, V> below,
                                               Predicate<String> wanted, boolean forward) {
        TreeMap<String, Object> merged = new TreeMap<>(forward ? Keys.BYTE_ORDER : Keys.BYTE_ORDER.reversed());
        try (below) {
            below.forEachRemaining(kv -> merged.put(kv.key, kv.value));
        }
        snapshot.forEach((key, value) -> {
            if (wanted.test(key)) {
                merged.put(key, value);
            }
        });
        List<KeyValue<String, V>> rows = new ArrayList<>(merged.size());
        merged.forEach((key, value) -> {
            if (value != DELETED) {
                rows.add(KeyValue.pair(key, (V) value));
            }
        });
        return new ListIterator<>(rows);
    }
}
