package dev.usageledger.streams.store;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * The outermost layer of a store that holds the writes made since the task's last commit and
 * writes them to the store below when the task commits.
 *
 * <p>Kafka Streams flushes a task's store caches before it flushes the task's records and commits
 * its transaction: it calls {@code flushCache} of the internal {@code CachedStateStore} interface,
 * which {@link WrappedStateStore} implements, on each store it registered. This layer writes what
 * it holds there, so the writes are in the same transaction as the offsets of the records that
 * made them; a crash before the commit loses both together. A store that is initialised (after a
 * restore) or cleared (when Kafka drops its caches) starts empty again; a store that closes writes
 * what it holds first, as Kafka's own caching layer does.
 */
abstract class CombiningLayer<S extends StateStore, V> extends WrappedStateStore<S, String, V> {
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
        super.init(context, root);
    }

    /** Writes everything held below, then lets the layers below flush theirs. */
    @Override
    public void flushCache() {
        writeBelow();
        super.flushCache();
    }

    @Override
    public void clearCache() {
        forget();
        super.clearCache();
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
