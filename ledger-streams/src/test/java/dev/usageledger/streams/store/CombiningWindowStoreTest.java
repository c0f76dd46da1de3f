package dev.usageledger.streams.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CombiningWindowStoreTest {
    private static final long HOUR = 3_600_000L;

    private CombiningWindowStore<Long> store;

    @AfterEach
    void close() {
        if (store != null && store.isOpen()) {
            store.close();
        }
    }

    private CombiningWindowStore<Long> open(int maxPending) {
        return open(maxPending, maxPending);
    }

    private CombiningWindowStore<Long> open(int maxPending, int coldAfter) {
        store = (CombiningWindowStore<Long>) CombiningStores.windowStore(
                Stores.inMemoryWindowStore("hours", Duration.ofDays(30), Duration.ofMillis(HOUR), false), Serdes.Long(), maxPending,
                        coldAfter)
                .withLoggingDisabled().withCachingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        return store;
    }

    @Test
    void shouldAnswerFromWhatItHoldsAndWriteEachBucketOnceWhenTheTaskCommits() {
        // Given three writes to one bucket between two commits
        open(100);
        store.put("a", 1L, 0);
        store.put("a", 2L, 0);
        store.put("a", 3L, 0);

        // Then reads see the last, and nothing is below yet
        assertThat(store.fetch("a", 0)).isEqualTo(3L);
        assertThat(store.wrapped().fetch("a", 0)).isNull();
        assertThat(store.pendingBuckets()).isEqualTo(1);

        // When the task commits, the bucket is written below and memory is empty
        store.flushCache();
        assertThat(store.wrapped().fetch("a", 0)).isEqualTo(3L);
        assertThat(store.pendingBuckets()).isZero();
        assertThat(store.fetch("a", 0)).isEqualTo(3L);
    }

    @Test
    void shouldLayHeldBucketsOverStoredOnesInRangeReadsBothWays() {
        // Given buckets 0, 1 and 3 below, then 1 rewritten, 2 added and 3 deleted in memory
        open(100);
        store.put("a", 10L, 0);
        store.put("a", 11L, HOUR);
        store.put("a", 13L, 3 * HOUR);
        store.put("b", 99L, HOUR);
        store.flushCache();
        store.put("a", 21L, HOUR);
        store.put("a", 22L, 2 * HOUR);
        store.put("a", null, 3 * HOUR);
        store.put("a", 25L, 5 * HOUR);

        // Then a key's range reads the merged buckets, in order either way, within the range
        assertThat(times(store.fetch("a", 0, 4 * HOUR))).containsExactly(
                KeyValue.pair(0L, 10L), KeyValue.pair(HOUR, 21L), KeyValue.pair(2 * HOUR, 22L));
        assertThat(times(store.backwardFetch("a", HOUR, 5 * HOUR))).containsExactly(
                KeyValue.pair(5 * HOUR, 25L), KeyValue.pair(2 * HOUR, 22L), KeyValue.pair(HOUR, 21L));
        assertThat(store.fetch("a", 3 * HOUR)).isNull();
        assertThat(times(store.fetch("missing", 0, 5 * HOUR))).isEmpty();

        // And reads over keys see the same, ordered by bucket then key
        assertThat(windows(store.fetchAll(HOUR, 2 * HOUR))).containsExactly(
                KeyValue.pair("a@" + HOUR, 21L), KeyValue.pair("b@" + HOUR, 99L), KeyValue.pair("a@" + 2 * HOUR, 22L));
        assertThat(windows(store.fetch("b", "b", 0, 5 * HOUR))).containsExactly(KeyValue.pair("b@" + HOUR, 99L));
        assertThat(windows(store.all())).hasSize(5);

        // And after the commit the store below answers the same
        List<KeyValue<Long, Long>> before = times(store.fetch("a", 0, 5 * HOUR));
        store.flushCache();
        assertThat(times(store.wrapped().fetch("a", 0, 5 * HOUR))).isEqualTo(before);
    }

    @Test
    void shouldWriteEachBucketBelowUnderTheContextOfTheRecordThatWroteItLast() {
        // Given a@0 written by records 1 then 2, b@0 by record 3, and record 4 being processed at the commit
        open(100);
        RecordedContexts contexts = new RecordedContexts();
        store.useRecordContexts(contexts);
        contexts.process(1);
        store.put("a", 1L, 0);
        contexts.process(2);
        store.put("a", 2L, 0);
        contexts.process(3);
        store.put("b", 1L, 0);
        contexts.process(4);

        store.flushCache();

        // Then a@0 went below as record 2's, b@0 as record 3's (their changelog records carry those
        // timestamps), and record 4 is current again
        assertThat(contexts.entered.subList(0, 2)).containsExactlyInAnyOrder(2L, 3L);
        assertThat(contexts.entered).hasSize(3).last().isEqualTo(4L);
    }

    /** Record contexts as a task sets them: one per record, its timestamp the record's number. */
    static final class RecordedContexts implements StreamsInternals.RecordContexts {
        /** The timestamps of the contexts the store set, in order. */
        final List<Long> entered = new ArrayList<>();
        private RecordContext current;

        void process(long record) {
            current = new ProcessorRecordContext(record, record, 0, "usage", new RecordHeaders());
        }

        @Override
        public RecordContext current() {
            return current;
        }

        @Override
        public void set(RecordContext context) {
            entered.add(context.timestamp());
            current = context;
        }
    }

    @Test
    void shouldRefuseABucketOffItsGrain() {
        open(100);

        assertThatThrownBy(() -> store.put("a", 1L, HOUR + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3600001");
    }

    @Test
    void shouldWriteEverythingBelowEarlyWhenItHoldsTooMuch() {
        // Given room for 2 buckets
        open(2);
        store.put("a", 1L, 0);
        store.put("b", 1L, 0);
        assertThat(store.wrapped().fetch("a", 0)).isNull();

        // When a third bucket is written, the two go below first and the third is held
        store.put("c", 1L, 0);

        assertThat(store.pendingBuckets()).isEqualTo(1);
        assertThat(store.wrapped().fetch("a", 0)).isEqualTo(1L);
        assertThat(store.wrapped().fetch("b", 0)).isEqualTo(1L);
        assertThat(store.wrapped().fetch("c", 0)).isNull();
        assertThat(store.fetch("c", 0)).isEqualTo(1L);
    }

    @Test
    void shouldWriteBucketsWrittenOnlyOnceBelowBeforeTheCommitAndKeepRewrittenOnes() {
        // Given buckets go cold 2 writes after a single write, and a pass is due from 4 held
        open(100, 2);
        store.put("hot", 1L, 0);
        store.put("hot", 2L, HOUR); // a second bucket of the same key, written once
        store.put("once", 1L, 0);
        store.put("hot", 2L, 0);
        store.put("other", 1L, 0);
        assertThat(store.wrapped().fetch("once", 0)).isNull();

        // When a fifth bucket arrives, the pass runs first
        store.put("new", 1L, 0);

        // Then the buckets written once, two or more writes ago, went below; the rewritten one and
        // the recent ones are still held, and every read sees every value
        assertThat(store.wrapped().fetch("once", 0)).isEqualTo(1L);
        assertThat(store.wrapped().fetch("hot", HOUR)).isEqualTo(2L);
        assertThat(store.wrapped().fetch("hot", 0)).isNull();
        assertThat(store.wrapped().fetch("other", 0)).isNull();
        assertThat(store.pendingBuckets()).isEqualTo(3);
        assertThat(store.fetch("once", 0)).isEqualTo(1L);
        List<KeyValue<Long, Long>> hot = new ArrayList<>();
        try (WindowStoreIterator<Long> buckets = store.fetch("hot", 0, HOUR)) {
            buckets.forEachRemaining(hot::add);
        }
        assertThat(hot).containsExactly(KeyValue.pair(0L, 2L), KeyValue.pair(HOUR, 2L));

        // and the commit writes the rest
        store.flushCache();
        assertThat(store.pendingBuckets()).isZero();
        assertThat(store.wrapped().fetch("hot", 0)).isEqualTo(2L);
        assertThat(store.wrapped().fetch("new", 0)).isEqualTo(1L);
    }

    @Test
    void shouldForgetWhatItHoldsWhenItsCacheIsClearedOrItStartsAgain() {
        // Given a bucket held (the task's transaction was aborted: Kafka clears the caches)
        open(100);
        store.put("a", 1L, 0);

        store.clearCache();

        assertThat(store.fetch("a", 0)).isNull();
        assertThat(store.pendingBuckets()).isZero();
    }

    @Test
    void shouldWriteWhatItHoldsBeforeItCloses() {
        open(100);
        store.put("a", 7L, 0);
        WindowStore<String, Long> below = store.wrapped();

        store.close();

        assertThat(store.pendingBuckets()).isZero();
        assertThat(below.isOpen()).isFalse();
    }

    @Test
    void shouldNeverAnswerOlderThanWhatTheWriterHadWrittenBeforeTheRead() throws Exception {
        // Given a writer incrementing buckets and committing every few hundred writes while
        // readers read single buckets and ranges from other threads
        open(1_000_000);
        int keys = 10;
        int buckets = 4;
        AtomicLongArray completed = new AtomicLongArray(keys * buckets);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<String> stale = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            boolean ranges = r == 1;
            readers.add(Thread.ofPlatform().start(() -> {
                while (writing.get() && stale.get() == null) {
                    int k = ThreadLocalRandom.current().nextInt(keys);
                    int b = ThreadLocalRandom.current().nextInt(buckets);
                    long before = completed.get(k * buckets + b);
                    long read = 0;
                    if (ranges) {
                        try (WindowStoreIterator<Long> it = store.fetch("k" + k, 0, (buckets - 1) * HOUR)) {
                            while (it.hasNext()) {
                                KeyValue<Long, Long> bucket = it.next();
                                if (bucket.key == b * HOUR) {
                                    read = bucket.value;
                                }
                            }
                        }
                    } else {
                        Long value = store.fetch("k" + k, b * HOUR);
                        read = value == null ? 0 : value;
                    }
                    if (read < before) {
                        stale.set("k" + k + " bucket " + b + " read " + read + " after the writer had written " + before);
                    }
                }
            }));
        }
        long[] values = new long[keys * buckets];
        for (int i = 0; i < 300_000 && stale.get() == null; i++) {
            int slot = ThreadLocalRandom.current().nextInt(keys * buckets);
            values[slot]++;
            store.put("k" + slot / buckets, values[slot], (slot % buckets) * HOUR);
            completed.set(slot, values[slot]);
            if (i % 300 == 0) {
                store.flushCache();
            }
        }
        writing.set(false);
        for (Thread reader : readers) {
            reader.join();
        }

        // Then no read was older than a write completed before it began, and the commit leaves the store exact
        assertThat(stale.get()).isNull();
        store.flushCache();
        for (int slot = 0; slot < keys * buckets; slot++) {
            Long below = store.wrapped().fetch("k" + slot / buckets, (slot % buckets) * HOUR);
            assertThat(below == null ? 0 : below).as("slot " + slot).isEqualTo(values[slot]);
        }
    }

    private static List<KeyValue<Long, Long>> times(WindowStoreIterator<Long> iterator) {
        List<KeyValue<Long, Long>> rows = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(rows::add);
        }
        return rows;
    }

    private static List<KeyValue<String, Long>> windows(KeyValueIterator<Windowed<String>, Long> iterator) {
        List<KeyValue<String, Long>> rows = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(kv -> rows.add(KeyValue.pair(kv.key.key() + "@" + kv.key.window().start(), kv.value)));
        }
        return rows;
    }
}
