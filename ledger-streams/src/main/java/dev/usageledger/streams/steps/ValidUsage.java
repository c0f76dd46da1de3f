package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.UsageEvent;

/**
 * A usage event that passed validation, with the bytes it arrived in (they go on to the rated
 * topic as they are) and how it arrived.
 */
record ValidUsage(UsageEvent event, byte[] wire, Arrival arrival) {
}
