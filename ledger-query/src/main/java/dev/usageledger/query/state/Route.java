package dev.usageledger.query.state;

import org.apache.kafka.streams.state.HostInfo;

/** Where a tenant's request can be answered: here, by the owning instance, or nowhere right now. */
public sealed interface Route {
    /** This instance holds the tenant's partition: as its owner, or as a standby ({@code stale}). */
    record Local(int partition, boolean stale) implements Route {
    }

    /** Another instance owns the partition; {@code standbyHere} says whether a stale answer is possible here if it fails. */
    record Remote(HostInfo owner, int partition, boolean standbyHere) implements Route {
    }

    /** Nothing can answer now (starting, rebalancing); the caller should retry. */
    record Unavailable(String reason) implements Route {
    }
}
