package dev.usageledger.streams.model;

import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.avro.UsageEvent;

/**
 * A counted event on its way to the rated topic: the {@link RatedUsageEvent} it becomes, with the
 * bytes the event arrived in, so that {@link RatedUsageSerializer} can write the event as it came
 * instead of encoding it again.
 *
 * @param usageWire the usage record's value as read from the usage topic (Confluent-framed Avro)
 */
public record CountedUsage(UsageEvent usage, byte[] usageWire, long costMicros, boolean unpriced, int sourcePartition,
                           long sourceOffset) {
    /** The rated record, built. */
    public RatedUsageEvent toRecord() {
        return RatedUsageEvent.newBuilder().setUsage(usage).setCostMicros(costMicros).setUnpriced(unpriced)
                .setSourcePartition(sourcePartition).setSourceOffset(sourceOffset).build();
    }
}
