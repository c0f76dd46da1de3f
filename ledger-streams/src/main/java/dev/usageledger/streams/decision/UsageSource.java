package dev.usageledger.streams.decision;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.streams.rules.PeriodWindow;

/** Where the decision reads what budgets already hold: the local state stores, in the topology and in the service. */
public interface UsageSource {
    /** The usage counted for a policy's member in a calendar or interval period. */
    long used(BudgetPolicy policy, String member, PeriodWindow period);

    /** What live holds reserve on that budget: a calendar or interval period, or (period null) a rolling window. */
    long held(BudgetPolicy policy, String member, PeriodWindow period);

    /** A rolling policy's sub-buckets in the window ending at {@code atMs}, as {@code [start, amount]}, oldest first. */
    long[][] rollingBuckets(BudgetPolicy policy, String member, long atMs);
}
