package dev.usageledger.streams.store;

import java.util.NoSuchElementException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * One key's buckets from the store below with the held ones laid over them: a held bucket
 * replaces the stored bucket of the same start, and a held deletion hides it.
 */
final class MergedWindowIterator<V> implements WindowStoreIterator<V> {
    private final WindowStoreIterator<V> below;
    private final long[] times;
    private final Object[] values;
    private final Object deleted;
    private final boolean forward;
    private int next;
    private final int end;
    private KeyValue<Long, V> peeked;

    /** {@code slots} may be null; only its buckets within {@code [timeFrom, timeTo]} are laid over. */
    MergedWindowIterator(WindowStoreIterator<V> below, CombiningWindowStore.Slots slots, long timeFrom, long timeTo,
                         boolean forward, Object deleted) {
        this.below = below;
        this.forward = forward;
        this.deleted = deleted;
        this.times = slots == null ? new long[0] : slots.times;
        this.values = slots == null ? new Object[0] : slots.values;
        int first = 0;
        while (first < times.length && times[first] < timeFrom) {
            first++;
        }
        int last = times.length - 1;
        while (last >= first && times[last] > timeTo) {
            last--;
        }
        this.next = forward ? first : last;
        this.end = forward ? last + 1 : first - 1;
    }

    @Override
    public boolean hasNext() {
        return peekNext() != null;
    }

    @Override
    public KeyValue<Long, V> next() {
        KeyValue<Long, V> result = peekNext();
        if (result == null) {
            throw new NoSuchElementException();
        }
        peeked = null;
        return result;
    }

    @Override
    public Long peekNextKey() {
        KeyValue<Long, V> result = peekNext();
        if (result == null) {
            throw new NoSuchElementException();
        }
        return result.key;
    }

    @Override
    public void close() {
        below.close();
    }

    @SuppressWarnings("unchecked")
    private KeyValue<Long, V> peekNext() {
        while (peeked == null) {
            boolean heldLeft = next != end;
            boolean storedLeft = below.hasNext();
            if (!heldLeft && !storedLeft) {
                return null;
            }
            long held = heldLeft ? times[next] : 0;
            long stored = storedLeft ? below.peekNextKey() : 0;
            boolean heldFirst = heldLeft && (!storedLeft || (forward ? held <= stored : held >= stored));
            if (heldFirst) {
                if (storedLeft && stored == held) {
                    below.next(); // replaced by the held bucket
                }
                Object value = values[next];
                next += forward ? 1 : -1;
                if (value != deleted) {
                    peeked = KeyValue.pair(held, (V) value);
                }
            } else {
                peeked = below.next();
            }
        }
        return peeked;
    }
}
