package dev.usageledger.streams.live;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** A store's point reads answered from its {@link Mirror} where a copy exists; everything else from the store. */
final class ReadThroughKeyValues<V> implements ReadOnlyKeyValueStore<String, V> {
    private final Mirror<V> mirror;
    private final int partition;
    private final ReadOnlyKeyValueStore<String, V> store;

    ReadThroughKeyValues(Mirror<V> mirror, int partition, ReadOnlyKeyValueStore<String, V> store) {
        this.mirror = mirror;
        this.partition = partition;
        this.store = store;
    }

    @Override
    public V get(String key) {
        return mirror.read(partition, key, store::get);
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
