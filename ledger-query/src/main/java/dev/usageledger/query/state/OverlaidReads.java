package dev.usageledger.query.state;

import java.util.function.Function;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** A key-value store whose point reads are answered by {@code read} (which reads the store itself, with whatever else it adds). */
final class OverlaidReads<V> implements ReadOnlyKeyValueStore<String, V> {
    private final ReadOnlyKeyValueStore<String, V> store;
    private final Function<String, V> read;

    OverlaidReads(ReadOnlyKeyValueStore<String, V> store, Function<String, V> read) {
        this.store = store;
        this.read = read;
    }

    @Override
    public V get(String key) {
        return read.apply(key);
    }

    @Override
    public KeyValueIterator<String, V> range(String from, String to) {
        return store.range(from, to);
    }

    @Override
    public KeyValueIterator<String, V> all() {
        return store.all();
    }

    @Override
    public long approximateNumEntries() {
        return store.approximateNumEntries();
    }
}
