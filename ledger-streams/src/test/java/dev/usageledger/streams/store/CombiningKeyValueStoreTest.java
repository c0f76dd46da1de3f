package dev.usageledger.streams.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CombiningKeyValueStoreTest {
    private CombiningKeyValueStore<Long> store;

    @BeforeEach
    void open() {
        store = (CombiningKeyValueStore<Long>) CombiningStores.keyValueStore(Stores.inMemoryKeyValueStore("months"), Serdes.Long(), 3)
                .withLoggingDisabled().withCachingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    @AfterEach
    void close() {
        if (store.isOpen()) {
            store.close();
        }
    }

    @Test
    void shouldHoldWritesUntilTheTaskCommits() {
        store.put("a", 1L);
        store.put("a", 2L);

        assertThat(store.get("a")).isEqualTo(2L);
        assertThat(store.wrapped().get("a")).isNull();

        store.flushCache();

        assertThat(store.wrapped().get("a")).isEqualTo(2L);
        assertThat(store.pendingValues()).isZero();
    }

    @Test
    void shouldLayHeldValuesOverStoredOnesInEveryRead() {
        // Given a, b, c below, then b rewritten, c deleted and d added in memory
        store.putAll(List.of(KeyValue.pair("a", 1L), KeyValue.pair("b", 2L), KeyValue.pair("c", 3L)));
        store.flushCache();
        store.put("b", 20L);
        assertThat(store.delete("c")).isEqualTo(3L);
        assertThat(store.putIfAbsent("d", 4L)).isNull();
        assertThat(store.putIfAbsent("d", 40L)).isEqualTo(4L);

        assertThat(rows(store.all())).containsExactly(KeyValue.pair("a", 1L), KeyValue.pair("b", 20L), KeyValue.pair("d", 4L));
        assertThat(rows(store.reverseRange("b", "d"))).containsExactly(KeyValue.pair("d", 4L), KeyValue.pair("b", 20L));
        assertThat(rows(store.prefixScan("b", new StringSerializer()))).containsExactly(KeyValue.pair("b", 20L));
        assertThat(store.get("c")).isNull();

        store.flushCache();
        assertThat(rows(store.wrapped().all())).containsExactly(KeyValue.pair("a", 1L), KeyValue.pair("b", 20L), KeyValue.pair("d", 4L));
    }

    @Test
    void shouldWriteValuesWrittenOnlyOnceBelowBeforeTheCommitAndKeepRewrittenOnes() {
        // Given values go cold 2 writes after a single write, and a pass is due from 4 held
        store = (CombiningKeyValueStore<Long>) CombiningStores.keyValueStore(Stores.inMemoryKeyValueStore("cold"), Serdes.Long(), 100, 2)
                .withLoggingDisabled().withCachingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        store.put("hot", 1L);
        store.put("once", 1L);
        store.put("twice", 1L);
        store.put("hot", 2L);
        store.put("twice", 2L);
        store.put("recent", 1L);
        assertThat(store.wrapped().get("once")).isNull();

        // When a new key arrives with four held, the pass runs first
        store.put("new", 1L);

        // Then only the value written once, two or more writes ago, went below; every read sees every value
        assertThat(store.wrapped().get("once")).isEqualTo(1L);
        assertThat(store.wrapped().get("hot")).isNull();
        assertThat(store.wrapped().get("recent")).isNull();
        assertThat(store.pendingValues()).isEqualTo(4);
        assertThat(rows(store.all())).containsExactly(KeyValue.pair("hot", 2L), KeyValue.pair("new", 1L), KeyValue.pair("once", 1L),
                KeyValue.pair("recent", 1L), KeyValue.pair("twice", 2L));

        store.flushCache();
        assertThat(store.pendingValues()).isZero();
        assertThat(store.wrapped().get("twice")).isEqualTo(2L);
    }

    @Test
    void shouldWriteEverythingBelowEarlyWhenItHoldsTooMuch() {
        for (String key : List.of("a", "b", "c", "d")) {
            store.put(key, 1L);
        }

        // room for 3: the fourth write sent the first three below first
        assertThat(store.pendingValues()).isEqualTo(1);
        assertThat(store.wrapped().get("c")).isEqualTo(1L);
        assertThat(store.wrapped().get("d")).isNull();
        assertThat(store.get("d")).isEqualTo(1L);
    }

    @Test
    void shouldWriteEachValueBelowUnderTheContextOfTheRecordThatWroteItLast() {
        CombiningWindowStoreTest.RecordedContexts contexts = new CombiningWindowStoreTest.RecordedContexts();
        store.useRecordContexts(contexts);
        contexts.process(1);
        store.put("a", 1L);
        contexts.process(2);
        store.put("a", 2L);
        contexts.process(3);

        store.flushCache();

        assertThat(contexts.entered).containsExactly(2L, 3L);
    }

    @Test
    void shouldForgetWhatItHoldsWhenItsCacheIsCleared() {
        store.put("a", 1L);

        store.clearCache();

        assertThat(store.get("a")).isNull();
    }

    private static List<KeyValue<String, Long>> rows(KeyValueIterator<String, Long> iterator) {
        List<KeyValue<String, Long>> rows = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(rows::add);
        }
        return rows;
    }
}
