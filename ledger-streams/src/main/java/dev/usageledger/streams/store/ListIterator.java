package dev.usageledger.streams.store;

import java.util.List;
import java.util.NoSuchElementException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/** An iterator over rows already read. */
final class ListIterator<K, V> implements KeyValueIterator<K, V> {
    private final List<KeyValue<K, V>> rows;
    private int next;

    ListIterator(List<KeyValue<K, V>> rows) {
        this.rows = rows;
    }

    @Override
    public boolean hasNext() {
        return next < rows.size();
    }

    @Override
    public KeyValue<K, V> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return rows.get(next++);
    }

    @Override
    public K peekNextKey() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return rows.get(next).key;
    }

    @Override
    public void close() {
    }
}
