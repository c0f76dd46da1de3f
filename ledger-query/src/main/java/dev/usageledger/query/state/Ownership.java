package dev.usageledger.query.state;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Which instance answers for a tenant in one Kafka Streams application: the owner of the
 * tenant's partition, found through the metadata of {@code storeName} and cached until the
 * application changes state (a rebalance starts or ends, a thread dies).
 */
final class Ownership {
    private static final Serializer<String> KEYS = new StringSerializer();

    private final String storeName;
    private final String what;
    private final AtomicLong generation;
    private final Versioned<String, KeyQueryMetadata> owners;

    /**
     * @param what names the application in answers that it cannot give ("the ledger", "reporting")
     * @param generation raised whenever the application changes state
     */
    Ownership(String storeName, String what, AtomicLong generation) {
        this.storeName = storeName;
        this.what = what;
        this.generation = generation;
        this.owners = new Versioned<>(generation::get);
    }

    /**
     * Who answers for {@code tenant} in {@code streams}, this instance advertising {@code self}.
     * A request that was already forwarded once is never forwarded again: it is answered from a
     * local standby (stale) or not at all.
     */
    Route route(KafkaStreams streams, HostInfo self, String tenant, boolean forwarded) {
        if (streams == null) {
            return new Route.Unavailable(what + " is starting");
        }
        KeyQueryMetadata metadata;
        try {
            metadata = streams.state() == KafkaStreams.State.RUNNING
                    ? owners.get(tenant, t -> streams.queryMetadataForKey(storeName, t, KEYS))
                    : streams.queryMetadataForKey(storeName, tenant, KEYS);
        } catch (IllegalStateException e) {
            return new Route.Unavailable(what + " is not running yet: " + e.getMessage());
        }
        if (metadata == null || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)) {
            return new Route.Unavailable(what + " is starting or rebalancing; no instance owns tenant " + tenant + " yet");
        }
        boolean standbyHere = metadata.standbyHosts().contains(self);
        if (metadata.activeHost().equals(self)) {
            return new Route.Local(metadata.partition(), false);
        }
        if (forwarded) {
            return standbyHere ? new Route.Local(metadata.partition(), true)
                    : new Route.Unavailable("partition " + metadata.partition() + " moved while the request was forwarded");
        }
        return new Route.Remote(metadata.activeHost(), metadata.partition(), standbyHere);
    }
}
