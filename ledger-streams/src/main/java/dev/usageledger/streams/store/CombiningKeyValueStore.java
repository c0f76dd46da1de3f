package dev.usageledger.streams.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The key-value form of {@link CombiningWindowStore}: values written since the task's last
 * commit are held in memory and written below once, when the task commits, in the same
 * transaction as the offsets of the events that made them. Reads from any thread see them.
 *
 * <p>A value written once and not again within the next {@code coldAfter} writes is written below
 * before the commit (see {@link CombiningWindowStore}), so a commit writes at most what was
 * written recently or more than once, however much one commit interval holds.
 */
public final class CombiningKeyValueStore<V> extends CombiningLayer<KeyValueStore<String, V>, V> implements KeyValueStore<String, V> {
    private static final Object DELETED = new Object();

    /**
     * A held value (or {@code DELETED}), the context of the record that wrote it, and the store's
     * write count at its first write ({@link Cold#REWRITTEN} once written again).
     */
    private record Held(Object value, RecordContext context, long firstWrite) {
    }

    private final int maxPending;
    private final Cold cold;
    private final Map<String, Held> pending = new ConcurrentHashMap<>();

    /** @param maxPending values held at most; a write of one more first writes them all below, before the commit */
    public CombiningKeyValueStore(KeyValueStore<String, V> inner, int maxPending) {
        this(inner, maxPending, maxPending);
    }

    /**
     * @param maxPending values held at most; a write of one more first writes them all below, before the commit
     * @param coldAfter writes after which a value written only once goes below before the commit
     */
    public CombiningKeyValueStore(KeyValueStore<String, V> inner, int maxPending, int coldAfter) {
        super(inner);
        if (maxPending <= 0) {
            throw new IllegalArgumentException("maxPending must be positive: " + maxPending);
        }
        this.maxPending = maxPending;
        this.cold = new Cold(coldAfter);
    }

    @Override
    public void put(String key, V value) {
        Held before = pending.get(key);
        if (pending.size() >= maxPending) {
            writeBelow(); // before this write: a failure here is not this record's
            before = null;
        } else if (before == null && cold.passDue(pending.size())) {
            writeColdBelow();
        }
        long write = cold.write();
        pending.put(key, new Held(value == null ? DELETED : value, currentContext(), before == null ? write : Cold.REWRITTEN));
    }

    /** Writes below the values written once, longer ago than the last {@code coldAfter} writes, and lets them go. */
    @SuppressWarnings("unchecked")
    private void writeColdBelow() {
        RecordContext current = currentContext();
        try {
            for (Map.Entry<String, Held> entry : pending.entrySet()) {
                Held held = entry.getValue();
                if (cold.isCold(held.firstWrite)) {
                    enterContext(held.context);
                    wrapped().put(entry.getKey(), held.value == DELETED ? null : (V) held.value);
                    pending.remove(entry.getKey(), held); // only now: a reader that misses it finds it below
                }
            }
        } finally {
            enterContext(current);
        }
        cold.passed(pending.size());
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
        Held held = pending.get(key);
        if (held != null) {
            return held.value == DELETED ? null : (V) held.value;
        }
        return wrapped().get(key);
    }

    @Override
    public KeyValueIterator<String, V> range(String from, String to) {
        Map<String, Object> held = held(key -> inRange(key, from, to)); // before the store below
        return merged(held, wrapped().range(from, to), true);
    }

    @Override
    public KeyValueIterator<String, V> reverseRange(String from, String to) {
        Map<String, Object> held = held(key -> inRange(key, from, to));
        return merged(held, wrapped().reverseRange(from, to), false);
    }

    @Override
    public KeyValueIterator<String, V> all() {
        Map<String, Object> held = held(key -> true);
        return merged(held, wrapped().all(), true);
    }

    @Override
    public KeyValueIterator<String, V> reverseAll() {
        Map<String, Object> held = held(key -> true);
        return merged(held, wrapped().reverseAll(), false);
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<String, V> prefixScan(P prefix, PS prefixKeySerializer) {
        byte[] wanted = prefixKeySerializer.serialize(null, prefix);
        Map<String, Object> held = held(key -> startsWith(key, wanted));
        return merged(held, wrapped().prefixScan(prefix, prefixKeySerializer), true);
    }

    /** Approximate: a held key may also be counted below. */
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
        cold.passed(0);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void writeBelow() {
        RecordContext current = currentContext();
        try {
            pending.forEach((key, held) -> {
                enterContext(held.context);
                wrapped().put(key, held.value == DELETED ? null : (V) held.value);
            });
        } finally {
            enterContext(current);
        }
        pending.clear(); // only now: a reader that misses a key from here on finds its value below
        cold.passed(0);
    }

    /** The held values of the keys {@code wanted}. */
    private Map<String, Object> held(Predicate<String> wanted) {
        Map<String, Object> held = new HashMap<>();
        pending.forEach((key, value) -> {
            if (wanted.test(key)) {
                held.put(key, value.value);
            }
        });
        return held;
    }

    private static boolean inRange(String key, String from, String to) {
        return (from == null || Keys.BYTE_ORDER.compare(key, from) >= 0) && (to == null || Keys.BYTE_ORDER.compare(key, to) <= 0);
    }

    private static boolean startsWith(String key, byte[] prefix) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    @SuppressWarnings("unchecked")
    private KeyValueIterator<String, V> merged(Map<String, Object> held, KeyValueIterator<String, V> below, boolean forward) {
        TreeMap<String, Object> merged = new TreeMap<>(forward ? Keys.BYTE_ORDER : Keys.BYTE_ORDER.reversed());
        try (below) {
            below.forEachRemaining(kv -> merged.put(kv.key, kv.value));
        }
        merged.putAll(held);
        List<KeyValue<String, V>> rows = new ArrayList<>(merged.size());
        merged.forEach((key, value) -> {
            if (value != DELETED) {
                rows.add(KeyValue.pair(key, (V) value));
            }
        });
        return new ListIterator<>(rows);
    }
}
