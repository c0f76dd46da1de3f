package dev.usageledger.streams.model;

import dev.usageledger.schemas.avro.UsageEvent;

/**
 * A valid, first-seen usage event with its cost: the caller's {@code cost_micros}, or the
 * price in force at {@code occurred_at}; {@code unpriced} when neither existed (cost 0).
 */
public record RatedUsage(UsageEvent event, long costMicros, boolean unpriced) {
}
