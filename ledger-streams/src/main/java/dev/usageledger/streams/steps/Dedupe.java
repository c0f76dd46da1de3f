package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.streams.state.DedupeStore;
import java.time.Duration;

/**
 * Counts an {@code event_id} once. The first counted occurrence is remembered, by event time, in
 * the {@link DedupeStore}, whose retention (the horizon plus the late grace) bounds the state; a
 * later occurrence within the horizon is dropped even when its numbers differ. The mark is one of
 * the event's changes, written with the rest or not at all: a rejected event leaves no mark, so a
 * corrected re-send counts.
 */
final class Dedupe {
    private final DedupeStore seen;
    private final long horizonMs;

    Dedupe(DedupeStore seen, Duration horizon) {
        this.seen = seen;
        this.horizonMs = horizon.toMillis();
    }

    /**
     * Whether an event with this id was counted within the horizon of {@code countedAt}: its
     * occurred_at, or for history older than the late grace the grace's edge, where its mark is
     * kept (ADR 0002).
     */
    boolean seen(UsageEvent event, long countedAt) {
        return seen.marked(event.getTenantId(), event.getEventId(), countedAt - horizonMs, countedAt + horizonMs);
    }

    /** Remembers the event's id as counted at {@code countedAt}, with the event's other changes. */
    void mark(UsageEvent event, long countedAt, EventChanges changes) {
        String tenant = event.getTenantId();
        String eventId = event.getEventId();
        changes.write(() -> seen.mark(tenant, eventId, countedAt));
    }
}
