package dev.usageledger.streams.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * A window store that keeps the buckets written since the task's last commit in memory and
 * writes each to the store below once, when the task commits: an event changes some twenty
 * buckets, and a bucket written by many events between two commits costs one write (a RocksDB
 * write and a changelog record) instead of one per event.
 *
 * <p>When the buckets are written, and when they are dropped unwritten, is {@link CombiningLayer}'s.
 * A bucket written once and not again within the next {@code coldAfter} writes goes below before
 * the commit ({@link Cold}), so a commit writes at most the buckets written recently or more than
 * once, however many events one commit interval holds.
 *
 * <p>Reads from any thread see the unwritten buckets: the held buckets of one key are replaced
 * whole on every write, and they leave memory only after they have been written below, so a read
 * never answers older than a write that completed before it began. Buckets must be stamped on the
 * store's grain (a whole hour for the hour store); a write off the grain is refused.
 */
public final class CombiningWindowStore<V> extends CombiningLayer<WindowStore<String, V>, V> implements WindowStore<String, V> {
    private static final Object DELETED = new Object();
    private static final Comparator<Windowed<String>> BY_TIME_THEN_KEY = Comparator
            .<Windowed<String>>comparingLong(windowed -> windowed.window().start())
            .thenComparing(windowed -> windowed.key(), Keys.BYTE_ORDER);

    private final long grainMs;
    private final int maxPending;
    private final Cold cold;
    private final Map<String, Slots> pending = new ConcurrentHashMap<>();
    private int pendingSlots;

    /**
     * @param grainMs every bucket's start is a multiple of it, and its window is this long
     * @param maxPending buckets held at most; a write of one more first writes them all below, before the commit
     */
    public CombiningWindowStore(WindowStore<String, V> inner, long grainMs, int maxPending) {
        this(inner, grainMs, maxPending, maxPending);
    }

    /**
     * @param grainMs every bucket's start is a multiple of it, and its window is this long
     * @param maxPending buckets held at most; a write of one more first writes them all below, before the commit
     * @param coldAfter writes after which a bucket written only once goes below before the commit
     */
    public CombiningWindowStore(WindowStore<String, V> inner, long grainMs, int maxPending, int coldAfter) {
        super(inner);
        if (grainMs <= 0 || maxPending <= 0) {
            throw new IllegalArgumentException("grainMs and maxPending must be positive: " + grainMs + ", " + maxPending);
        }
        this.grainMs = grainMs;
        this.maxPending = maxPending;
        this.cold = new Cold(coldAfter);
    }

    @Override
    public void put(String key, V value, long windowStartTimestamp) {
        if (Math.floorMod(windowStartTimestamp, grainMs) != 0) {
            throw new IllegalArgumentException("store " + name() + " keeps buckets of " + grainMs + " ms; a bucket starting at "
                    + windowStartTimestamp + " is not on one");
        }
        if (pendingSlots >= maxPending) {
            writeBelow(); // before this write: a failure here is not this record's
        }
        Slots before = pending.get(key);
        if ((before == null || before.indexOf(windowStartTimestamp) < 0) && cold.passDue(pendingSlots)) {
            writeColdBelow();
            before = pending.get(key);
        }
        Object held = value == null ? DELETED : value;
        long write = cold.write();
        Slots after = before == null ? Slots.of(windowStartTimestamp, held, currentContext(), write)
                : before.with(windowStartTimestamp, held, currentContext(), write);
        pending.put(key, after);
        pendingSlots += after.size() - (before == null ? 0 : before.size());
    }

    /** Writes below the buckets written once, longer ago than the last {@code coldAfter} writes, and lets them go. */
    @SuppressWarnings("unchecked")
    private void writeColdBelow() {
        RecordContext current = currentContext();
        try {
            for (Map.Entry<String, Slots> entry : pending.entrySet()) {
                Slots slots = entry.getValue();
                Slots kept = slots.withoutCold(cold);
                if (kept == slots) {
                    continue;
                }
                for (int i = 0; i < slots.size(); i++) {
                    if (cold.isCold(slots.firstWrites[i])) {
                        enterContext(slots.contexts[i]);
                        Object value = slots.values[i];
                        wrapped().put(entry.getKey(), value == DELETED ? null : (V) value, slots.times[i]);
                    }
                }
                // only now: a reader that misses a bucket from here on finds it below
                if (kept == null) {
                    pending.remove(entry.getKey());
                } else {
                    pending.put(entry.getKey(), kept);
                }
                pendingSlots -= slots.size() - (kept == null ? 0 : kept.size());
            }
        } finally {
            enterContext(current);
        }
        cold.passed(pendingSlots);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V fetch(String key, long time) {
        Slots slots = pending.get(key);
        int at = slots == null ? -1 : slots.indexOf(time);
        if (at >= 0) {
            Object value = slots.values[at];
            return value == DELETED ? null : (V) value;
        }
        return wrapped().fetch(key, time);
    }

    @Override
    public WindowStoreIterator<V> fetch(String key, long timeFrom, long timeTo) {
        Slots slots = pending.get(key); // before the store below: what leaves memory is there by then
        return new MergedWindowIterator<>(wrapped().fetch(key, timeFrom, timeTo), slots, timeFrom, timeTo, true, DELETED);
    }


    @Override
    public WindowStoreIterator<V> backwardFetch(String key, long timeFrom, long timeTo) {
        Slots slots = pending.get(key);
        return new MergedWindowIterator<>(wrapped().backwardFetch(key, timeFrom, timeTo), slots, timeFrom, timeTo, false, DELETED);
    }


    @Override
    public KeyValueIterator<Windowed<String>, V> fetch(String keyFrom, String keyTo, long timeFrom, long timeTo) {
        Map<Windowed<String>, Object> held = held(keyFrom, keyTo, timeFrom, timeTo); // before the store below
        return merged(held, wrapped().fetch(keyFrom, keyTo, timeFrom, timeTo), true);
    }


    @Override
    public KeyValueIterator<Windowed<String>, V> backwardFetch(String keyFrom, String keyTo, long timeFrom, long timeTo) {
        Map<Windowed<String>, Object> held = held(keyFrom, keyTo, timeFrom, timeTo);
        return merged(held, wrapped().backwardFetch(keyFrom, keyTo, timeFrom, timeTo), false);
    }


    @Override
    public KeyValueIterator<Windowed<String>, V> fetchAll(long timeFrom, long timeTo) {
        Map<Windowed<String>, Object> held = held(null, null, timeFrom, timeTo);
        return merged(held, wrapped().fetchAll(timeFrom, timeTo), true);
    }


    @Override
    public KeyValueIterator<Windowed<String>, V> backwardFetchAll(long timeFrom, long timeTo) {
        Map<Windowed<String>, Object> held = held(null, null, timeFrom, timeTo);
        return merged(held, wrapped().backwardFetchAll(timeFrom, timeTo), false);
    }


    @Override
    public KeyValueIterator<Windowed<String>, V> all() {
        return fetchAll(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    @Override
    public KeyValueIterator<Windowed<String>, V> backwardAll() {
        return backwardFetchAll(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** How many buckets are held, for tests. */
    public int pendingBuckets() {
        return pendingSlots;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void writeBelow() {
        RecordContext current = currentContext();
        try {
            for (Map.Entry<String, Slots> entry : pending.entrySet()) {
                Slots slots = entry.getValue();
                for (int i = 0; i < slots.size(); i++) {
                    Object value = slots.values[i];
                    enterContext(slots.contexts[i]);
                    wrapped().put(entry.getKey(), value == DELETED ? null : (V) value, slots.times[i]);
                }
            }
        } finally {
            enterContext(current);
        }
        // Only now: a reader that misses a key from here on finds its value below.
        pending.clear();
        pendingSlots = 0;
        cold.passed(0);
    }

    @Override
    protected void forget() {
        pending.clear();
        pendingSlots = 0;
        cold.passed(0);
    }

    /** The held buckets of keys in {@code [keyFrom, keyTo]} (null: open) starting in {@code [timeFrom, timeTo]}. */
    private Map<Windowed<String>, Object> held(String keyFrom, String keyTo, long timeFrom, long timeTo) {
        Map<Windowed<String>, Object> held = new LinkedHashMap<>();
        pending.forEach((key, slots) -> {
            for (int i = 0; i < slots.size(); i++) {
                long start = slots.times[i];
                if (start >= timeFrom && start <= timeTo && (keyFrom == null || Keys.BYTE_ORDER.compare(key, keyFrom) >= 0)
                        && (keyTo == null || Keys.BYTE_ORDER.compare(key, keyTo) <= 0)) {
                    held.put(new Windowed<>(key, StreamsInternals.window(start, start + grainMs)), slots.values[i]);
                }
            }
        });
        return held;
    }

    /** The rows below with {@code held} laid over them, by bucket then key. */
    @SuppressWarnings("unchecked")
    private KeyValueIterator<Windowed<String>, V> merged(Map<Windowed<String>, Object> held, KeyValueIterator<Windowed<String>, V> below,
                                                        boolean forward) {
        Map<Windowed<String>, Object> merged = new LinkedHashMap<>();
        try (below) {
            below.forEachRemaining(kv -> merged.put(kv.key, kv.value));
        }
        merged.putAll(held);
        List<KeyValue<Windowed<String>, V>> rows = new ArrayList<>(merged.size());
        merged.forEach((windowed, value) -> {
            if (value != DELETED) {
                rows.add(KeyValue.pair(windowed, (V) value));
            }
        });
        rows.sort((a, b) -> forward ? BY_TIME_THEN_KEY.compare(a.key, b.key) : BY_TIME_THEN_KEY.compare(b.key, a.key));
        return new ListIterator<>(rows);
    }

    /**
     * The held buckets of one key, by start time, with the context of the record that wrote each
     * last and the store's write count at each one's first write ({@link Cold#REWRITTEN} once
     * written again); never changed once made.
     */
    static final class Slots {
        final long[] times;
        final Object[] values;
        final RecordContext[] contexts;
        final long[] firstWrites;

        private Slots(long[] times, Object[] values, RecordContext[] contexts, long[] firstWrites) {
            this.times = times;
            this.values = values;
            this.contexts = contexts;
            this.firstWrites = firstWrites;
        }

        static Slots of(long time, Object value, RecordContext context, long write) {
            return new Slots(new long[] {time}, new Object[] {value}, new RecordContext[] {context}, new long[] {write});
        }

        int size() {
            return times.length;
        }

        int indexOf(long time) {
            return Arrays.binarySearch(times, time);
        }

        Slots with(long time, Object value, RecordContext context, long write) {
            int at = indexOf(time);
            if (at >= 0) {
                Object[] values = this.values.clone();
                RecordContext[] contexts = this.contexts.clone();
                long[] firstWrites = this.firstWrites.clone();
                values[at] = value;
                contexts[at] = context;
                firstWrites[at] = Cold.REWRITTEN;
                return new Slots(times, values, contexts, firstWrites);
            }
            int insert = -at - 1;
            return new Slots(inserted(this.times, new long[times.length + 1], insert, time),
                    inserted(this.values, new Object[times.length + 1], insert, value),
                    inserted(this.contexts, new RecordContext[times.length + 1], insert, context),
                    inserted(this.firstWrites, new long[times.length + 1], insert, write));
        }

        /** These slots without the cold ones: the same object when none is cold, null when all are. */
        Slots withoutCold(Cold cold) {
            int kept = 0;
            for (long firstWrite : firstWrites) {
                if (!cold.isCold(firstWrite)) {
                    kept++;
                }
            }
            if (kept == times.length) {
                return this;
            }
            if (kept == 0) {
                return null;
            }
            Slots without = new Slots(new long[kept], new Object[kept], new RecordContext[kept], new long[kept]);
            for (int i = 0, j = 0; i < times.length; i++) {
                if (!cold.isCold(firstWrites[i])) {
                    without.times[j] = times[i];
                    without.values[j] = values[i];
                    without.contexts[j] = contexts[i];
                    without.firstWrites[j] = firstWrites[i];
                    j++;
                }
            }
            return without;
        }

        private static long[] inserted(long[] from, long[] to, int at, long element) {
            System.arraycopy(from, 0, to, 0, at);
            to[at] = element;
            System.arraycopy(from, at, to, at + 1, from.length - at);
            return to;
        }

        private static <T> T[] inserted(T[] from, T[] to, int at, T element) {
            System.arraycopy(from, 0, to, 0, at);
            to[at] = element;
            System.arraycopy(from, at, to, at + 1, from.length - at);
            return to;
        }
    }
}
