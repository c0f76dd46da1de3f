package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.UsageEvent;
import java.time.Duration;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Counts an {@code event_id} once. The first counted occurrence is remembered, by event time, in
 * a window store whose retention (the horizon plus the late grace) bounds the state; a later
 * occurrence within the horizon is dropped even when its numbers differ. The mark is one of the
 * event's changes, written with the rest or not at all: a rejected event leaves no mark, so a
 * corrected re-send counts.
 */
final class Dedupe {
    private final WindowStore<String, Long> seen;
    private final long horizonMs;

    Dedupe(WindowStore<String, Long> seen, Duration horizon) {
        this.seen = seen;
        this.horizonMs = horizon.toMillis();
    }

    /** Whether an event with this id was counted within the horizon of its time. */
    boolean seen(UsageEvent event) {
        long at = event.getOccurredAt().toEpochMilli();
        try (WindowStoreIterator<Long> earlier = seen.fetch(key(event), at - horizonMs, at + horizonMs)) {
            return earlier.hasNext();
        }
    }

    /** Remembers the event's id as counted, with the event's other changes. */
    void mark(UsageEvent event, EventChanges changes) {
        String key = key(event);
        long at = event.getOccurredAt().toEpochMilli();
        changes.write(() -> seen.put(key, at, at));
    }

    private static String key(UsageEvent event) {
        return event.getTenantId() + '\u0000' + event.getEventId();
    }
}
