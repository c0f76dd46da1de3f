package dev.usageledger.producer.enforce;

/**
 * What a call gets when the ledger cannot answer within the deadline (it is down, unreachable,
 * answers 5xx or 503, or answers too late). Choose per deployment, by what an unmetered call costs
 * against what a refused one costs.
 */
public enum FailMode {
    /** Let the call proceed: an outage of the ledger never stops the product, and spend may pass a budget meanwhile. */
    OPEN,
    /** Refuse the call: no budget is ever passed, and an outage of the ledger stops every metered call. */
    CLOSED
}
