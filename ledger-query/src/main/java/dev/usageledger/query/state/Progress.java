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
import java.util.concurrent.locks.StampedLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

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
    private final ConcurrentHashMap<Integer, AtomicLong> holdSteps = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, Long> journalApplied = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, JournalApplication> journalApplications = new ConcurrentHashMap<>();

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

    @Override
    public void directoryApplied(String directoryKey) {
        bookChanged();
    }

    private void bookChanged() {
        bookVersion.incrementAndGet();
        bookChanges.raise();
    }

    @Override
    public void holdStepStarted(int partition) {
        JournalApplication application = journalApplication(partition);
        application.abandon(); // an application the task's previous run never finished
        journalApplied.put(partition, -1L);
        holdSteps.computeIfAbsent(partition, p -> new AtomicLong()).incrementAndGet();
    }

    @Override
    public void holdJournalApplying(int partition) {
        journalApplication(partition).begin();
    }

    @Override
    public void holdJournalApplied(int partition, long offset) {
        journalApplied.put(partition, offset);
        journalApplication(partition).end();
    }

    /**
     * Reads {@code read} (the journal's unapplied decisions and the stores) while the task applies
     * no journal record of the partition: it sees each journaled reservation either before it
     * reached the stores or after it left the journal's unapplied ones, never both or neither. An
     * optimistic read first (a version check, no lock); when the task was applying meanwhile, the
     * read waits for that one application to end (microseconds: a few store writes) and reads again.
     */
    public <T> T readConsistently(int partition, Supplier<T> read) {
        JournalApplication application = journalApplications.get(partition);
        return application == null ? read.get() : application.read(read);
    }

    private JournalApplication journalApplication(int partition) {
        return journalApplications.computeIfAbsent(partition, p -> new JournalApplication());
    }

    /**
     * The task's application of journal records to a partition's stores, as a lock readers wait
     * on: one writer (the stream thread owning the partition) holds it for the length of one record.
     */
    private static final class JournalApplication {
        private final StampedLock lock = new StampedLock();
        void begin() {
            lock.tryUnlockWrite(); // an application the task's previous run never ended
            lock.writeLock();
        }

        void end() {
            lock.tryUnlockWrite();
        }

        void abandon() {
            lock.tryUnlockWrite();
        }

        <T> T read(Supplier<T> read) {
            long stamp = lock.tryOptimisticRead();
            if (stamp != 0) {
                T value = read.get();
                if (lock.validate(stamp)) {
                    return value;
                }
            }
            stamp = lock.readLock();
            try {
                return read.get();
            } finally {
                lock.unlockRead(stamp);
            }
        }
    }

    /** How many times the partition's hold step has started here; -1 when it never has. */
    public long holdStepGeneration(int partition) {
        AtomicLong generation = holdSteps.get(partition);
        return generation == null ? -1 : generation.get();
    }

    /**
     * The last hold journal offset the partition's task applied here, -1 for none since its hold
     * step started. The task's stores hold every journal record up to it (restored ones included).
     */
    public long holdJournalApplied(int partition) {
        return journalApplied.getOrDefault(partition, -1L);
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
        void applied(long newOffset, long eventTime) {
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
