package dev.usageledger.streams.store;

/**
 * When a combining store writes its cold values below before the commit. A value written once and
 * not again within the next {@code coldAfter} writes is unlikely to combine with another before the
 * commit (a user seen once in a second), so holding it only makes the commit longer: it is written
 * below at the next pass, in the open transaction, as Kafka's record cache evicts. A value written
 * again (a tenant's month) stays held until the commit. A pass runs when a new value arrives and at
 * least {@code coldAfter} new values have arrived since the last one, so passes cost each write a
 * bounded share of one scan.
 */
final class Cold {
    /** The first write of a value written again: never cold. */
    static final long REWRITTEN = Long.MAX_VALUE;

    private final int coldAfter;
    private long writes;
    private int nextPassAt;

    Cold(int coldAfter) {
        if (coldAfter <= 0) {
            throw new IllegalArgumentException("coldAfter must be positive: " + coldAfter);
        }
        this.coldAfter = coldAfter;
        this.nextPassAt = 2 * coldAfter;
    }

    /** Counts one write and answers its number. */
    long write() {
        return ++writes;
    }

    /** Whether a pass is due before a new value joins the {@code held} ones. */
    boolean passDue(int held) {
        return held >= nextPassAt;
    }

    /** Whether a value first written at {@code firstWrite} (and not since) is cold now. */
    boolean isCold(long firstWrite) {
        return firstWrite != REWRITTEN && firstWrite <= writes - coldAfter;
    }

    /** A pass (or a commit) left {@code held} values: the next pass is due after {@code coldAfter} more. */
    void passed(int held) {
        nextPassAt = Math.max(2 * coldAfter, held + coldAfter);
    }
}
