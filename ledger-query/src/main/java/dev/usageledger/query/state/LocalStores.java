package dev.usageledger.query.state;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreType;

/** Opens a store of one partition of a Kafka Streams application in this instance, or says why it cannot. */
final class LocalStores {
    private static final long RETRY_AFTER_MS = 1_000;

    private LocalStores() {
    }

    /**
     * @param what  names the application in the answer when it cannot be read ("the ledger", "reporting")
     * @param stale allows a standby or restoring copy
     * @throws StateUnavailableException when the partition's store is not readable here now
     */
    static <T> T open(KafkaStreams streams, String what, String name, QueryableStoreType<T> type, int partition, boolean stale) {
        if (streams == null) {
            throw new StateUnavailableException(what + " is starting", RETRY_AFTER_MS);
        }
        StoreQueryParameters<T> parameters = StoreQueryParameters.fromNameAndType(name, type).withPartition(partition);
        try {
            return streams.store(stale ? parameters.enableStaleStores() : parameters);
        } catch (InvalidStateStoreException e) {
            throw new StateUnavailableException("partition " + partition + " of " + name + " cannot be read here now: "
                    + e.getMessage(), RETRY_AFTER_MS);
        }
    }
}
