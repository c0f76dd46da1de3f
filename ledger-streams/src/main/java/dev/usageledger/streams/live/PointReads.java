package dev.usageledger.streams.live;

import java.util.function.Function;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * A key-value store whose point reads are answered by {@code get} (which reads the store itself,
 * with whatever else it adds: a live copy, the task's own store, journaled decisions); everything
 * else is the store's.
 */
public final class PointReads<V> implements ReadOnlyKeyValueStore<String, V> {
    private final ReadOnlyKeyValueStore<String, V> store;
    private final Function<String, V> get;

    public PointReads(ReadOnlyKeyValueStore<String, V> store, Function<String, V> get) {
        this.store = store;
        this.get = get;
    }

    @Override
    public V get(String key) {
        return get.apply(key);
    }

    @Override
    public KeyValueIterator<String, V> range(String from, String to) {
        return store.range(from, to);
    }

    @Override
    public KeyValueIterator<String, V> reverseRange(String from, String to) {
        return store.reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<String, V> all() {
        return store.all();
    }

    @Override
    public KeyValueIterator<String, V> reverseAll() {
        return store.reverseAll();
    }

    @Override
    public <PS extends org.apache.kafka.common.serialization.Serializer<P>, P> KeyValueIterator<String, V> prefixScan(P prefix,
                                                                                                                   PS prefixKeySerializer) {
        return store.prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return store.approximateNumEntries();
    }
}
