package dev.usageledger.query.state;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.streams.state.PolicyUsage;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Holds a decision back while a budget's counters still lack the usage counted before the policy
 * (its seed is on the way: a policy created or changed mid-period), so no check or hold is decided
 * on a counter that is short. The wait is bounded; past it the request is answered 503 with a
 * retry. A policy seen seeded stays seeded (its mark never goes back), so it is remembered and
 * costs nothing afterwards.
 */
final class SeedWait {
    static final Duration BOUND = Duration.ofSeconds(5);
    private static final long POLL_NANOS = Duration.ofMillis(2).toNanos();
    private static final long RETRY_AFTER_MS = 250;
    private static final int MAX_REMEMBERED = 1_000_000;

    private final Set<String> seeded = ConcurrentHashMap.newKeySet();

    /** Returns once the policy is seeded; waits at most {@link #BOUND}. */
    void await(PolicyUsage usage, BudgetPolicy policy) {
        String key = policy.getTenantId() + '\u0000' + policy.getPolicyId();
        if (seeded.contains(key)) {
            return;
        }
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (usage.seedPending(policy)) {
            if (System.nanoTime() - deadline > 0) {
                throw new StateUnavailableException("budget '" + policy.getPolicyId() + "' is new in its period: the usage counted before it"
                        + " is being added to its counters; retry shortly", RETRY_AFTER_MS);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        if (seeded.size() >= MAX_REMEMBERED) {
            seeded.clear();
        }
        seeded.add(key);
    }
}
