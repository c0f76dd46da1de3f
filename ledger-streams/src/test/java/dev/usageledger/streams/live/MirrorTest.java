package dev.usageledger.streams.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MirrorTest {
    private final Map<String, Long> store = new ConcurrentHashMap<>();
    private final AtomicInteger storeReads = new AtomicInteger();
    private final Mirror<Long> mirror = new Mirror<>(1_000);

    private Long readStore(String key) {
        storeReads.incrementAndGet();
        return store.get(key);
    }

    @Test
    void shouldReadTheStoreOnceAndAnswerLaterReadsFromTheCopy() {
        // Given an open partition and a value only the store has
        mirror.open(0);
        store.put("a", 5L);

        // When it is read twice
        Long first = mirror.read(0, "a", this::readStore);
        Long second = mirror.read(0, "a", this::readStore);

        // Then the store was read once
        assertThat(first).isEqualTo(5L);
        assertThat(second).isEqualTo(5L);
        assertThat(storeReads).hasValue(1);
    }

    @Test
    void shouldRememberThatTheStoreHoldsNothing() {
        mirror.open(0);

        assertThat(mirror.read(0, "missing", this::readStore)).isNull();
        assertThat(mirror.read(0, "missing", this::readStore)).isNull();

        assertThat(storeReads).hasValue(1);
    }

    @Test
    void shouldAnswerWithTheWritersValueOverWhatAReaderCopied() {
        // Given a reader copied 5
        mirror.open(0);
        store.put("a", 5L);
        mirror.read(0, "a", this::readStore);

        // When the writer writes 7, then deletes another key
        store.put("a", 7L);
        mirror.written(0, "a", 7L);
        mirror.written(0, "b", null);

        // Then readers see the writer's values without reading the store
        assertThat(mirror.read(0, "a", this::readStore)).isEqualTo(7L);
        assertThat(mirror.read(0, "b", this::readStore)).isNull();
        assertThat(storeReads).hasValue(1);
    }

    @Test
    void shouldReadTheStoreForAPartitionThatIsNotCopiedHere() {
        // Given partition 1 was open and closed (its task moved away), and partition 2 never opened
        mirror.open(1);
        mirror.written(1, "a", 1L);
        mirror.close(1);
        store.put("a", 9L);

        // Then reads go to the store, and the writer's late reports are ignored
        assertThat(mirror.read(1, "a", this::readStore)).isEqualTo(9L);
        mirror.written(2, "a", 3L);
        assertThat(mirror.read(2, "a", this::readStore)).isEqualTo(9L);
        assertThat(mirror.isOpen(1)).isFalse();
    }

    @Test
    void shouldForgetEverythingWhenThePartitionOpensAgain() {
        // Given a copied value
        mirror.open(0);
        mirror.written(0, "a", 1L);

        // When the processors start again (the state was restored: the store now holds 2)
        mirror.open(0);
        store.put("a", 2L);

        // Then the old copy is gone
        assertThat(mirror.read(0, "a", this::readStore)).isEqualTo(2L);
    }

    @Test
    void shouldStayWithinItsBound() {
        // Given a mirror of 10 values per partition
        Mirror<Long> small = new Mirror<>(10);
        small.open(0);
        for (int i = 0; i < 10; i++) {
            small.written(0, "k" + i, (long) i);
        }

        // When readers ask for more keys, nothing more is kept
        for (int i = 10; i < 20; i++) {
            store.put("k" + i, (long) i);
            assertThat(small.read(0, "k" + i, this::readStore)).isEqualTo((long) i);
        }
        int reads = storeReads.get();
        assertThat(small.read(0, "k15", this::readStore)).isEqualTo(15L);
        assertThat(storeReads.get()).isEqualTo(reads + 1);

        // When the writer writes an 11th key, the copy starts afresh with it
        small.written(0, "new", 1L);
        assertThat(small.read(0, "new", this::readStore)).isEqualTo(1L);
        assertThat(small.read(0, "k0", this::readStore)).isNull();
    }

    @Test
    void shouldNeverAnswerOlderThanWhatTheWriterHadWrittenBeforeTheRead() throws Exception {
        // Given a writer incrementing counters (store first, then the copy, then marking the write
        // complete) while readers read through a slow store, and the copy restarting often
        mirror.open(0);
        int keys = 20;
        int writes = 300_000;
        AtomicLongArray completed = new AtomicLongArray(keys);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<String> stale = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(Thread.ofPlatform().start(() -> {
                while (writing.get() && stale.get() == null) {
                    int k = ThreadLocalRandom.current().nextInt(keys);
                    long before = completed.get(k);
                    Long value = mirror.read(0, "k" + k, key -> slowly(store.get(key)));
                    long read = value == null ? 0 : value;
                    if (read < before) {
                        stale.set("key k" + k + " read " + read + " after the writer had written " + before);
                    }
                }
            }));
        }
        for (int i = 0; i < writes && stale.get() == null; i++) {
            int k = i % keys;
            long next = store.getOrDefault("k" + k, 0L) + 1;
            store.put("k" + k, next);
            mirror.written(0, "k" + k, next);
            completed.set(k, next);
            if (i % 500 == 0) {
                mirror.open(0); // processors restarted: readers refill from the store
            }
        }
        writing.set(false);
        for (Thread reader : readers) {
            reader.join();
        }

        // Then no read was older than a write completed before it began, and the copy ends equal to the store
        assertThat(stale.get()).isNull();
        for (int k = 0; k < keys; k++) {
            assertThat(mirror.read(0, "k" + k, store::get)).as("k" + k).isEqualTo(store.get("k" + k));
        }
    }

    /** A store read that takes a few microseconds, as a RocksDB read does, so writes land during it. */
    private static Long slowly(Long value) {
        long until = System.nanoTime() + 3_000;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        return value;
    }
}
