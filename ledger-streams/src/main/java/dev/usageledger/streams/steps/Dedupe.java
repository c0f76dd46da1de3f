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

    /** Whether an event with this id was counted within the horizon of its time. */
    boolean seen(UsageEvent event) {
        long at = event.getOccurredAt().toEpochMilli();
        return seen.marked(event.getTenantId(), event.getEventId(), at - horizonMs, at + horizonMs);
    }

    /** Remembers the event's id as counted, with the event's other changes. */
    void mark(UsageEvent event, EventChanges changes) {
        String tenant = event.getTenantId();
        String eventId = event.getEventId();
        long at = event.getOccurredAt().toEpochMilli();
        changes.write(() -> seen.mark(tenant, eventId, at));
    }
}
