package dev.usageledger.producer;

import dev.usageledger.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Helpers for building usage events: time-ordered ids and a builder with id and time filled. */
public final class UsageEvents {
    private UsageEvents() {
    }

    /**
     * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids sort by
     * creation time and index well.
     */
    public static UUID uuidV7(Instant at) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long millis = at.toEpochMilli() & 0xFFFF_FFFF_FFFFL;
        long high = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low);
    }

    /** A builder with a fresh v7 {@code event_id} and {@code occurred_at} set to {@code now}. */
    public static UsageEvent.Builder newEvent(String tenantId, Instant now) {
        return UsageEvent.newBuilder().setEventId(uuidV7(now).toString()).setOccurredAt(now).setTenantId(tenantId);
    }
}
