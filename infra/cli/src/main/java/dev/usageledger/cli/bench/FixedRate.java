package dev.usageledger.cli.bench;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends requests on a fixed schedule, each on its own virtual thread, and times each from its
 * scheduled instant: a slow answer delays no later measurement (no coordinated omission). The
 * first second is a warm-up and is not recorded.
 */
final class FixedRate {
    private FixedRate() {
    }

    /**
     * Runs {@code request} {@code rate} times a second for {@code seconds} (after a one-second
     * warm-up); {@code request} answers whether it succeeded. Any failure fails the run, naming it.
     */
    static Latencies.Summary run(String what, int rate, int seconds, Callable<Boolean> request) {
        Latencies latencies = new Latencies();
        AtomicLong failures = new AtomicLong();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        long interval = 1_000_000_000L / rate;
        int warmUp = rate;
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            long start = System.nanoTime() + 10_000_000;
            for (long i = 0; i < warmUp + (long) rate * seconds; i++) {
                long scheduled = start + i * interval;
                long wait = scheduled - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                boolean measured = i >= warmUp;
                senders.execute(() -> {
                    try {
                        if (!request.call()) {
                            failures.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        firstError.compareAndSet(null, e);
                    }
                    if (measured) {
                        latencies.record(System.nanoTime() - scheduled);
                    }
                });
            }
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " of " + (warmUp + (long) rate * seconds) + " requests (" + what
                    + ") failed at " + rate + "/s" + (firstError.get() == null ? "" : "; first: " + firstError.get()));
        }
        return latencies.summary();
    }
}
