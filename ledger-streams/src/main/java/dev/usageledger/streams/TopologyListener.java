package dev.usageledger.streams;

/**
 * What the topology tells the process that runs it, from the stream and global threads: which
 * offset of which partition has been applied to the stores, and which policy changed. The query
 * service uses it for the {@code as_of} of its answers, for read-your-writes waits and to know
 * when a policy is in force. Calls come from processing threads: implementations must be quick
 * and must not throw.
 */
public interface TopologyListener {
    /** A listener that ignores everything. */
    TopologyListener NONE = new TopologyListener() {
    };

    /**
     * A usage record is fully processed: counted, found a duplicate, or rejected. The stores
     * reflect it (and everything before it on that partition) from now on.
     *
     * @param eventTimeMs the event's {@code occurred_at}, or the record timestamp when it was rejected
     */
    default void recordApplied(int partition, long offset, long eventTimeMs) {
    }

    /** The policy book now holds the latest version of {@code policyId} (or its deletion). */
    default void policyApplied(String policyId) {
    }

    /** A hold event of the tenant was applied: the hold store now holds the hold's latest state. */
    default void holdApplied(String tenant, String holdId) {
    }

    /**
     * The partition's hold step (re)started: its stores were just restored or reassigned, so a
     * hold journal opened for an earlier run must be made anew.
     */
    default void holdStepStarted(int partition) {
    }

    /** The partition's task begins to apply a hold journal record; {@link #holdJournalApplied} follows, always. */
    default void holdJournalApplying(int partition) {
    }

    /**
     * The hold journal record at {@code offset} of the partition is applied to the hold and held
     * stores ({@code offset} is the last one applied when the application failed).
     */
    default void holdJournalApplied(int partition, long offset) {
    }

    /** The price book now holds the entry with this topic key (or its deletion). */
    default void priceApplied(String priceKey) {
    }

    /** The key directory now holds the entry with this topic key. */
    default void directoryApplied(String directoryKey) {
    }
}
