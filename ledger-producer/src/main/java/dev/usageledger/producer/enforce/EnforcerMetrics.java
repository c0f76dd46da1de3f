package dev.usageledger.producer.enforce;

/**
 * A snapshot of an enforcer's counters: requests the ledger answered, by decision; requests it
 * could not answer, by the fail mode's answer, and how many of those were past the deadline; and
 * the round trip of answered requests, as upper bounds of power-of-two microsecond buckets
 * ({@code p99Micros} 2048 means 99 % took at most 2.048 ms).
 */
public record EnforcerMetrics(long allowed, long warned, long denied, long failedOpen, long failedClosed, long timedOut,
                              long p50Micros, long p99Micros, long maxMicros) {
    /** Requests the ledger answered. */
    public long answered() {
        return allowed + warned + denied;
    }
}
