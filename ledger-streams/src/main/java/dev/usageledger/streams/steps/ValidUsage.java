package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.UsageEvent;

/**
 * A usage event that passed validation, with the bytes it arrived in (they go on to the rated
 * topic as they are) and whether it is imported history ({@link dev.usageledger.schemas.validation.ImportHeader}).
 */
record ValidUsage(UsageEvent event, byte[] wire, boolean imported) {
}
