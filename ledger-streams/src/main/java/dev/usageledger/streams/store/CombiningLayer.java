package dev.usageledger.streams.store;

import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;

/**
 * The outermost layer of a store that holds the writes made since the task's last commit and
 * writes them to the store below when the task commits.
 *
 * <p>Kafka Streams flushes a task's store caches before it flushes the task's records and commits
 * its transaction (an internal hook: {@link StreamsInternals.FlushedBeforeCommit}). This layer
 * writes what it holds there, so the writes are in the same transaction as the offsets of the
 * records that made them; a crash before the commit loses both together. Each write goes below under the
 * context of the record that made it last, as Kafka's caching layer does, so its changelog record
 * carries that record's timestamp (which the changelog's time retention goes by).
 *
 * <p>What is held is dropped unwritten when the store is initialised (before its state is
 * restored) and when Kafka clears the caches of a task it recycles; a store that closes writes
 * what it holds first, as Kafka's caching layer does.
 */
abstract class CombiningLayer<S extends StateStore, V> extends StreamsInternals.FlushedBeforeCommit<S, V> {
    /** Null when the store runs outside Kafka Streams (a unit test): writes then go below as they are. */
    private StreamsInternals.RecordContexts contexts;

    CombiningLayer(S inner) {
        super(inner);
    }

    /** Writes everything held to the store below, then forgets it. */
    protected abstract void writeBelow();

    /** Drops everything held. */
    protected abstract void forget();

    @Override
    public void init(StateStoreContext context, StateStore root) {
        forget();
        StreamsInternals.RecordContexts ofTask = StreamsInternals.recordContexts(context);
        if (ofTask != null) {
            contexts = ofTask;
        }
        super.init(context, root);
    }

    /** For tests: where record contexts come from. */
    void useRecordContexts(StreamsInternals.RecordContexts contexts) {
        this.contexts = contexts;
    }

    /** The context of the record being processed, kept with a held write. */
    protected final RecordContext currentContext() {
        return contexts == null ? null : contexts.current();
    }

    /** Makes {@code context} the current one for the next write below (nothing when it is unknown). */
    protected final void enterContext(RecordContext context) {
        if (contexts != null && context != null) {
            contexts.set(context);
        }
    }

    /** Writes everything held below (the layers below then flush theirs). */
    @Override
    protected final void beforeCommit() {
        writeBelow();
    }

    @Override
    protected final void dropHeld() {
        forget();
    }

    @Override
    public void close() {
        try {
            if (wrapped().isOpen()) {
                writeBelow();
            }
        } finally {
            forget();
            super.close();
        }
    }

    /** Interactive queries v2 would read below the writes held here: read through the store's own methods. */
    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return QueryResult.forFailure(FailureReason.UNKNOWN_QUERY_TYPE,
                "store " + name() + " holds writes not yet committed; read it through its ReadOnly store interface");
    }
}
