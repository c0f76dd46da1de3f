package dev.usageledger.query.holds;

import dev.usageledger.query.state.JournalOverlay;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.streams.decision.HoldDecisions;
import dev.usageledger.streams.state.JournalEpochStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where this instance decides holds: one {@link PartitionJournal} per partition whose enforcement
 * task is active here. A journal opens by journaling an opening mark; the mark's offset is its
 * epoch, which every decision it journals carries, and from then on the task applies no decision
 * of an earlier writer (see {@link JournalEpochStore}). It waits until the local task has applied
 * the mark: from then on its view of what is held includes every answer ever given. A journal
 * belongs to one run of the task's hold step (its generation): when the step restarts (a
 * rebalance, a restore), the journal is made anew, with a new mark. A journal that fails is
 * replaced at once.
 */
public final class ReservationDesk implements JournalOverlay, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReservationDesk.class);

    /** How the journals are made: their producer, the task's progress. */
    public interface Plumbing {
        /** An idempotent producer (acks=all) for the journals of every partition here. */
        Producer<String, byte[]> producer();

        /** The last journal offset the local task has applied on the partition, -1 for none. */
        long applied(int partition);

        /** The generation of the partition's hold step here; -1 while it does not run here. */
        long generation(int partition);
    }

    private record Opened(long generation, CompletableFuture<PartitionJournal> journal) {
    }

    private final String topic;
    private final Plumbing plumbing;
    private final Function<HoldState, byte[]> serializer;
    private final IntFunction<PartitionView> views;
    private final Duration openTimeout;
    private final Map<Integer, Opened> journals = new ConcurrentHashMap<>();
    private Producer<String, byte[]> producer; // shared by the journals: one connection's requests carry every partition's decisions

    public ReservationDesk(String topic, Plumbing plumbing, Function<HoldState, byte[]> serializer,
                           IntFunction<PartitionView> views, Duration openTimeout) {
        this.topic = topic;
        this.plumbing = plumbing;
        this.serializer = serializer;
        this.views = views;
        this.openTimeout = openTimeout;
    }

    /**
     * Decides and journals a hold on {@code partition}, waiting at most {@code timeout} for the
     * answer, which is given only once the decision is durable in the journal, right after its writer's mark and records.
     *
     * @throws JournalUnavailableException when no answer could be made durable in time: retry
     */
    public HoldState place(int partition, HoldDecisions.Request request, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        PartitionJournal journal = journal(partition, timeout);
        try {
            return journal.submit(request).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof JournalUnavailableException u ? u
                    : new JournalUnavailableException("the hold could not be journaled: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new JournalUnavailableException("the hold's decision was not journaled and acknowledged within " + timeout.toMillis()
                    + " ms; retry with the same hold_id to get its answer");
        }
    }

    private PartitionJournal journal(int partition, Duration timeout) throws InterruptedException {
        long generation = plumbing.generation(partition);
        if (generation < 0) {
            throw new JournalUnavailableException("partition " + partition + "'s hold step is not running here");
        }
        Opened opened = journals.compute(partition, (p, current) -> {
            boolean usable = current != null && current.generation() == generation && !failed(current.journal());
            if (usable) {
                return current;
            }
            if (current != null) {
                current.journal().thenAccept(PartitionJournal::close);
            }
            return new Opened(generation, CompletableFuture.supplyAsync(() -> open(p)));
        });
        try {
            return opened.journal().get(Math.min(timeout.toMillis(), openTimeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            journals.remove(partition, opened);
            throw new JournalUnavailableException("the hold journal of partition " + partition + " did not open: " + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new JournalUnavailableException("the hold journal of partition " + partition
                    + " is opening (its task is applying the journal); retry with the same hold_id");
        }
    }

    private static boolean failed(CompletableFuture<PartitionJournal> journal) {
        return journal.isCompletedExceptionally() || journal.isDone() && !journal.join().isOpen();
    }

    /** Journals an opening mark (the new epoch), then waits (bounded) until the task has applied everything journaled up to it. */
    private PartitionJournal open(int partition) {
        Producer<String, byte[]> producer = producer();
        try {
            long mark = producer.send(new ProducerRecord<>(topic, partition, JournalEpochStore.MARK_KEY, null)).get().offset();
            long deadline = System.nanoTime() + openTimeout.toNanos();
            while (plumbing.applied(partition) < mark) {
                if (System.nanoTime() > deadline) {
                    throw new JournalUnavailableException("the task has applied partition " + partition + "'s hold journal to "
                            + plumbing.applied(partition) + ", not yet to its opening mark at " + mark);
                }
                TimeUnit.MILLISECONDS.sleep(5); // the task applies the journal on its own thread; bounded by the deadline above
            }
            PartitionJournal journal = new PartitionJournal(partition, topic, mark, producer, serializer,
                    () -> plumbing.applied(partition), views, () -> reopen(partition));
            journal.start();
            LOG.info("hold journal of partition {} open after its mark at offset {}", partition, mark);
            return journal;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JournalUnavailableException("interrupted while opening the hold journal of partition " + partition, e);
        } catch (ExecutionException e) {
            replace(producer);
            throw new JournalUnavailableException("the opening mark was not written: " + e.getCause(), e.getCause());
        } catch (JournalUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            replace(producer);
            throw new JournalUnavailableException("the opening mark was not written: " + e, e);
        }
    }

    private synchronized Producer<String, byte[]> producer() {
        if (producer == null) {
            producer = plumbing.producer();
        }
        return producer;
    }

    /**
     * The producer could not journal a mark: the next journal opens on a new one. The journals
     * still sending on the old one fail with it and are replaced in turn; anything of theirs that
     * lands after a new mark carries their old epoch and is not applied.
     */
    private synchronized void replace(Producer<String, byte[]> broken) {
        if (producer == broken) {
            producer = null;
            broken.close(Duration.ZERO);
        }
    }

    /** A journal failed: open the next one now, so what the failed one reserved stops counting as soon as the task has caught up. */
    private void reopen(int partition) {
        CompletableFuture.runAsync(() -> {
            try {
                journal(partition, openTimeout);
            } catch (JournalUnavailableException notNow) {
                LOG.info("the hold journal of partition {} is not reopened now: {}", partition, notNow.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Override
    public boolean awaitOpen(int partition, Duration timeout) throws InterruptedException {
        if (current(partition) != null) {
            return true;
        }
        try {
            journal(partition, timeout);
            return true;
        } catch (JournalUnavailableException notYet) {
            return false;
        }
    }

    @Override
    public long unappliedHeld(int partition, String heldKey) {
        PartitionJournal journal = current(partition);
        return journal == null ? 0 : journal.unappliedHeld(heldKey);
    }

    @Override
    public HoldState journaled(int partition, String holdKey) {
        PartitionJournal journal = current(partition);
        return journal == null ? null : journal.journaled(holdKey);
    }

    @Override
    public List<HoldState> journaledOf(int partition, String tenant) {
        PartitionJournal journal = current(partition);
        return journal == null ? List.of() : journal.journaledOf(tenant);
    }

    /**
     * The partition's open journal of the hold step's current run, or null. A journal of an earlier
     * run no longer speaks for the stores: its task restarted, and the stores were restored to
     * their last commit and re-apply the journal from there.
     */
    private PartitionJournal current(int partition) {
        Opened opened = journals.get(partition);
        if (opened == null || opened.generation() != plumbing.generation(partition) || !opened.journal().isDone()
                || opened.journal().isCompletedExceptionally()) {
            return null;
        }
        return opened.journal().join();
    }

    @Override
    public void close() {
        journals.values().forEach(opened -> opened.journal().thenAccept(PartitionJournal::close));
        journals.clear();
        synchronized (this) {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
                producer = null;
            }
        }
    }
}
