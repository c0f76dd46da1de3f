package dev.usageledger.query.state;

import dev.usageledger.streams.TopologyListener;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * How far the local topology has got: per usage partition, the last offset applied to the
 * stores and the newest event time seen; and a signal raised whenever a policy or price changes.
 * Request threads wait on it (bounded) for read-your-writes; the stream threads only pay for a
 * map lookup and two writes per record, plus a signal when someone is waiting.
 */
public final class Progress implements TopologyListener {
    /** What one partition has applied; {@code offset} is -1 before the first record since start. */
    public record Applied(int partition, long offset, long eventTimeMs) {
    }

    private final ConcurrentHashMap<Integer, PartitionProgress> partitions = new ConcurrentHashMap<>();
    private final Signal bookChanges = new Signal();
    private final AtomicLong bookVersion = new AtomicLong();
    private final ConcurrentHashMap<String, CompletableFuture<Void>> holdWaiters = new ConcurrentHashMap<>();

    @Override
    public void recordApplied(int partition, long offset, long eventTimeMs) {
        partitions.computeIfAbsent(partition, p -> new PartitionProgress()).applied(offset, eventTimeMs);
    }

    @Override
    public void policyApplied(String policyId) {
        bookChanged();
    }

    @Override
    public void priceApplied(String priceKey) {
        bookChanged();
    }

    private void bookChanged() {
        // the partitions' counts first, then the version: whoever reads the new version reads these counts or later ones
        partitions.values().forEach(PartitionProgress::bookChanged);
        bookVersion.incrementAndGet();
        bookChanges.raise();
    }

    /**
     * Whether the partition has applied two records since the policy or price book last changed:
     * the second began after the first ended, so after the change, and every record from it on was
     * counted with the changed book. (A record in flight at the change may have used the old one.)
     */
    public boolean settledSinceBookChange(int partition) {
        PartitionProgress progress = partitions.get(partition);
        return progress != null && progress.appliedCount - progress.countAtBookChange >= 2;
    }

    @Override
    public void holdApplied(String tenant, String holdId) {
        CompletableFuture<Void> waiter = holdWaiters.remove(tenant + '\u0000' + holdId);
        if (waiter != null) {
            waiter.complete(null);
        }
    }

    /**
     * Waits until {@code condition} holds, re-checking it each time an event of that one hold is
     * applied here (only this hold's waiter wakes, not every waiting request).
     */
    public boolean awaitHold(String tenant, String holdId, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String key = tenant + '\u0000' + holdId;
        while (true) {
            CompletableFuture<Void> waiter = holdWaiters.computeIfAbsent(key, k -> new CompletableFuture<>());
            if (condition.getAsBoolean()) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                waiter.get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                holdWaiters.remove(key, waiter);
                return condition.getAsBoolean();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A number that changes whenever a policy or price changes: what was read under one version is current while it lasts. */
    public long bookVersion() {
        return bookVersion.get();
    }

    /** What the partition has applied so far. */
    public Applied applied(int partition) {
        PartitionProgress progress = partitions.get(partition);
        return progress == null ? new Applied(partition, -1, -1) : new Applied(partition, progress.offset, progress.eventTimeMs);
    }

    /** Waits until {@code partition} has applied {@code offset}; false when the wait ran out first. */
    public boolean awaitOffset(int partition, long offset, Duration timeout) throws InterruptedException {
        PartitionProgress progress = partitions.computeIfAbsent(partition, p -> new PartitionProgress());
        return progress.signal.await(() -> progress.offset >= offset, timeout);
    }

    /** Waits until {@code condition} holds, re-checking it after each policy or price change. */
    public boolean awaitBooks(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        return bookChanges.await(condition, timeout);
    }

    private static final class PartitionProgress {
        private final Signal signal = new Signal();
        private volatile long offset = -1;
        private volatile long eventTimeMs = -1;
        private volatile long appliedCount;
        private volatile long countAtBookChange;

        void bookChanged() {
            countAtBookChange = appliedCount;
        }

        void applied(long newOffset, long eventTime) {
            appliedCount = appliedCount + 1; // one writer: the stream thread that owns the partition
            offset = newOffset;
            if (eventTime > eventTimeMs) {
                eventTimeMs = eventTime;
            }
            signal.raise();
        }
    }

    /** A condition variable that costs one volatile read to raise when nobody waits. */
    private static final class Signal {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final AtomicInteger waiting = new AtomicInteger();

        void raise() {
            if (waiting.get() == 0) {
                return;
            }
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
            if (condition.getAsBoolean()) {
                return true;
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            waiting.incrementAndGet();
            lock.lock();
            try {
                while (!condition.getAsBoolean()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    // a raise between the check and the wait cannot be lost (it takes the lock),
                    // the cap only bounds the cost of a condition that changed without a raise
                    changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
                }
                return true;
            } finally {
                lock.unlock();
                waiting.decrementAndGet();
            }
        }
    }
}
