package dev.usageledger.streams.live;

import java.time.Instant;
import java.util.NoSuchElementException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The rolling store's per-key range reads (a window's sub-buckets) answered from its
 * {@link Mirror} where a copy covers the range; everything else from the store.
 */
final class ReadThroughRolling implements ReadOnlyWindowStore<String, Long> {
    private final Mirror<RollingBuckets> mirror;
    private final int partition;
    private final ReadOnlyWindowStore<String, Long> store;

    ReadThroughRolling(Mirror<RollingBuckets> mirror, int partition, ReadOnlyWindowStore<String, Long> store) {
        this.mirror = mirror;
        this.partition = partition;
        this.store = store;
    }

    @Override
    public WindowStoreIterator<Long> fetch(String key, Instant timeFrom, Instant timeTo) {
        long from = timeFrom.toEpochMilli();
        RollingBuckets copy = mirror.read(partition, key, k -> RollingBuckets.load(store, k, from));
        if (!copy.covers(from)) {
            return store.fetch(key, timeFrom, timeTo);
        }
        return new Buckets(copy, from, timeTo.toEpochMilli());
    }

    @Override
    public Long fetch(String key, long time) {
        return store.fetch(key, time);
    }

    @Override
    public KeyValueIterator<Windowed<String>, Long> fetch(String keyFrom, String keyTo, Instant timeFrom, Instant timeTo) {
        return store.fetch(keyFrom, keyTo, timeFrom, timeTo);
    }

    @Override
    public KeyValueIterator<Windowed<String>, Long> all() {
        return store.all();
    }

    @Override
    public KeyValueIterator<Windowed<String>, Long> fetchAll(Instant timeFrom, Instant timeTo) {
        return store.fetchAll(timeFrom, timeTo);
    }

    /** The copy's buckets starting in {@code [from, to]}, oldest first. */
    private static final class Buckets implements WindowStoreIterator<Long> {
        private final RollingBuckets copy;
        private final long to;
        private int next;

        Buckets(RollingBuckets copy, long from, long to) {
            this.copy = copy;
            this.to = to;
            while (next < copy.starts().length && copy.starts()[next] < from) {
                next++;
            }
        }

        @Override
        public boolean hasNext() {
            return next < copy.starts().length && copy.starts()[next] <= to;
        }

        @Override
        public KeyValue<Long, Long> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            KeyValue<Long, Long> bucket = KeyValue.pair(copy.starts()[next], copy.amounts()[next]);
            next++;
            return bucket;
        }

        @Override
        public Long peekNextKey() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return copy.starts()[next];
        }

        @Override
        public void close() {
        }
    }
}
