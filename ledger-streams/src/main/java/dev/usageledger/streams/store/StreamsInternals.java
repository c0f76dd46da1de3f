package dev.usageledger.streams.store;

import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.kstream.Window;
import org.apache.kafka.streams.kstream.internals.TimeWindow;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.internals.KeyValueStoreBuilder;
import org.apache.kafka.streams.state.internals.WindowStoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * Every use the ledger makes of Kafka Streams' internal API, in one place: the combining stores
 * need a hook that runs inside the task's transaction just before it commits, and Kafka Streams
 * offers none publicly.
 *
 * <p>What is relied on, as read in Kafka Streams {@value #VERIFIED_KAFKA_STREAMS_VERSION}:
 * {@code TaskExecutor.commitTasksAndMaybeUpdateCommittableOffsets} calls each task's
 * {@code StreamTask.prepareCommit}, whose {@code flush()} calls
 * {@code ProcessorStateManager.flushCache}, which calls {@code CachedStateStore.flushCache} on
 * every registered store that implements it ({@link WrappedStateStore} does), and only then
 * {@code commitOffsetsOrTransaction} commits the transaction with the input offsets. A write made
 * in {@code flushCache} is therefore in the same transaction as the offsets of the records that
 * caused it. A store's writes are stamped (changelog timestamp) with the task's current record
 * context, which {@link InternalProcessorContext#setRecordContext} sets. Kafka sizes a store's
 * changelog retention only for builders that are {@link WindowStoreBuilder}s.
 *
 * <p>{@code StreamsInternalsTest} fails when the Kafka Streams version changes or one of these
 * types or methods does; {@code CombinedWritesTransactionIT} checks the behaviour on a broker.
 */
final class StreamsInternals {
    /** The Kafka Streams version the commit path above was read in and the guard tests passed on. */
    static final String VERIFIED_KAFKA_STREAMS_VERSION = "4.3.1";

    private StreamsInternals() {
    }

    /**
     * A store layer that Kafka Streams lets write, inside the task's transaction, just before each
     * commit ({@link #beforeCommit}), and tells when a recycled task's caches are dropped
     * ({@link #dropHeld}).
     */
    abstract static class FlushedBeforeCommit<S extends StateStore, V> extends WrappedStateStore<S, String, V> {
        FlushedBeforeCommit(S inner) {
            super(inner);
        }

        /** Runs in the task's {@code prepareCommit}, before the transaction commits. */
        protected abstract void beforeCommit();

        /** Runs when Kafka clears the caches of a task it recycles. */
        protected abstract void dropHeld();

        @Override
        public final void flushCache() {
            beforeCommit();
            super.flushCache();
        }

        @Override
        public final void clearCache() {
            dropHeld();
            super.clearCache();
        }
    }

    /** Reads and sets the context of the record being processed. */
    interface RecordContexts {
        RecordContext current();

        void set(RecordContext context);
    }

    /** The task's record contexts, or null when {@code context} is not a Kafka Streams task's (a unit test). */
    static RecordContexts recordContexts(StateStoreContext context) {
        if (context instanceof InternalProcessorContext<?, ?> internal) {
            return new RecordContexts() {
                @Override
                public RecordContext current() {
                    return internal.recordContext();
                }

                @Override
                public void set(RecordContext recordContext) {
                    // Only contexts current() returned come back here.
                    internal.setRecordContext((ProcessorRecordContext) recordContext);
                }
            };
        }
        return null;
    }

    /** The window {@code [start, end)}, as Kafka's window stores return it. */
    static Window window(long start, long end) {
        return new TimeWindow(start, end);
    }

    /** Kafka's builder of a window store of string keys, with {@code outermost} put over what it builds. */
    static <V> StoreBuilder<WindowStore<String, V>> windowStoreBuilder(WindowBytesStoreSupplier supplier, Serde<V> valueSerde,
                                                                       UnaryOperator<WindowStore<String, V>> outermost) {
        return new WindowStoreBuilder<>(supplier, Serdes.String(), valueSerde, Time.SYSTEM) {
            @Override
            public WindowStore<String, V> build() {
                return outermost.apply(super.build());
            }
        };
    }

    /** Kafka's builder of a key-value store of string keys, with {@code outermost} put over what it builds. */
    static <V> StoreBuilder<KeyValueStore<String, V>> keyValueStoreBuilder(KeyValueBytesStoreSupplier supplier, Serde<V> valueSerde,
                                                                           UnaryOperator<KeyValueStore<String, V>> outermost) {
        return new KeyValueStoreBuilder<>(supplier, Serdes.String(), valueSerde, Time.SYSTEM) {
            @Override
            public KeyValueStore<String, V> build() {
                return outermost.apply(super.build());
            }
        };
    }
}
