package dev.usageledger.infra.embedded.testkit;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or a deadline passes, failing with what was awaited. */
public final class Await {
    private static final long POLL_NANOS = Duration.ofMillis(10).toNanos();

    private Await() {
    }

    /**
     * Returns as soon as {@code condition} holds.
     *
     * @throws AssertionError naming {@code what} when it does not hold within {@code timeout}
     */
    public static void until(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + timeout.toSeconds() + " s for " + what + ", in vain");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
