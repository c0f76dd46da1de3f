package dev.usageledger.streams.live;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A lock-free copy of the values of one keyed store that checks read, one copy per active
 * partition. The stream thread that owns the partition is the only writer: it reports every value
 * it writes to the store, after the store has it. Readers take a copied value, or read the store
 * and keep what they read for the next reader, but only where nothing was copied yet: a writer's
 * copy always replaces a reader's, so a reader can never put back a value the writer has since
 * replaced. A copy is dropped whole when the partition's processors start (after its state was
 * restored) and when they close; a reader still holding the dropped copy writes into a map
 * nobody reads any more. When a copy grows past its bound the writer starts a new, empty one.
 *
 * <p>Values are what the store holds, committed or not, exactly like reads through the store's
 * cache: after a crash the task reprocesses from its last commit and reaches the same values.
 */
public final class Mirror<V> {
    private static final Object ABSENT = new Object();

    private final int maxEntries;
    private final ConcurrentHashMap<Integer, ConcurrentHashMap<String, Object>> partitions = new ConcurrentHashMap<>();

    /** A mirror that keeps at most about {@code maxEntries} values per partition. */
    public Mirror(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
        }
        this.maxEntries = maxEntries;
    }

    /** The partition's processors start: whatever was copied before is forgotten. */
    public void open(int partition) {
        partitions.put(partition, new ConcurrentHashMap<>());
    }

    /** The partition's processors close (the task closes or moves): nothing is answered from a copy any more. */
    public void close(int partition) {
        partitions.remove(partition);
    }

    /** Whether the partition's values are being copied here (its task is active in this process). */
    public boolean isOpen(int partition) {
        return partitions.containsKey(partition);
    }

    /** The writer wrote {@code value} (null: deleted) under {@code key}; called after the store has it. */
    public void written(int partition, String key, V value) {
        ConcurrentHashMap<String, Object> copy = partitions.get(partition);
        if (copy == null) {
            return;
        }
        if (copy.size() >= maxEntries && !copy.containsKey(key)) {
            copy = new ConcurrentHashMap<>();
            partitions.put(partition, copy);
        }
        copy.put(key, value == null ? ABSENT : value);
    }

    /** The writer's own view of its last copied value, without reading the store (null when none, or nothing, is copied). */
    public V copied(int partition, String key) {
        ConcurrentHashMap<String, Object> copy = partitions.get(partition);
        Object value = copy == null ? null : copy.get(key);
        return value == null ? null : unwrap(value);
    }

    /**
     * The value under {@code key}: the copy's, or {@code store}'s (kept for the next reader). A
     * partition that is not copied here (a standby, a closed task) is read from the store.
     */
    public V read(int partition, String key, Function<String, V> store) {
        ConcurrentHashMap<String, Object> copy = partitions.get(partition);
        if (copy == null) {
            return store.apply(key);
        }
        Object value = copy.get(key);
        if (value != null) {
            return unwrap(value);
        }
        V stored = store.apply(key);
        if (copy.size() < maxEntries) {
            copy.putIfAbsent(key, stored == null ? ABSENT : stored);
        }
        return stored;
    }

    @SuppressWarnings("unchecked")
    private V unwrap(Object value) {
        return value == ABSENT ? null : (V) value;
    }
}
