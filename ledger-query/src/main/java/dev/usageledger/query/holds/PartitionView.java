package dev.usageledger.query.holds;

import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.streams.decision.UsageSource;
import dev.usageledger.streams.rules.PolicyIndex;

/** One partition's state as a hold decision reads it: the same reads as a check's. */
public interface PartitionView {
    /** The tenant's policies in force. */
    PolicyIndex policies(String tenant);

    /** Used and held amounts as the task holds them (the live copies checks read). */
    UsageSource usage();

    /** The hold as the task stored it, or null. */
    HoldState stored(String holdKey);
}
