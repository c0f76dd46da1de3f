package dev.usageledger.query.holds;

import dev.usageledger.query.state.JournalOverlay;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.streams.decision.HoldDecisions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where this instance decides holds: one {@link PartitionJournal} per partition whose enforcement
 * task is active here. A journal opens by fencing whoever journaled the partition before
 * ({@code initTransactions} on the partition's transactional id, which also settles that owner's
 * open transaction), then journals an opening mark (a null value) and waits until the local task
 * has applied it: from then on its view of what is held includes every answer ever given. A journal
 * belongs to one run of the task's hold step (its generation): when the step restarts (a
 * rebalance, a restore), the journal is made anew, fencing included.
 */
public final class ReservationDesk implements JournalOverlay, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReservationDesk.class);
    private static final String OPENING_MARK = "journal-opened";
    /** Transactional producers a journal's batches take turns over (see {@link PartitionJournal}). */
    public static final int PRODUCERS = 2;

    /** How a journal of one partition is made: its transactional producer, the journal's stable end, the task's progress. */
    public interface Plumbing {
        /** The {@code turn}-th transactional producer of the partition's journal, not yet initialised. */
        Producer<String, byte[]> producer(int partition, int turn);

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
     * answer, which is given only once the decision is committed.
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
            throw new JournalUnavailableException("the hold's decision was not committed within " + timeout.toMillis()
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

    /** Fences the previous writer (each of its producers), then waits (bounded) until the task has applied everything journaled. */
    private PartitionJournal open(int partition) {
        List<Producer<String, byte[]>> producers = new ArrayList<>(PRODUCERS);
        try {
            for (int turn = 0; turn < PRODUCERS; turn++) {
                producers.add(plumbing.producer(partition, turn));
                producers.getLast().initTransactions();
            }
            Producer<String, byte[]> producer = producers.getFirst();
            producer.beginTransaction();
            Future<RecordMetadata> sent = producer.send(new ProducerRecord<>(topic, partition, OPENING_MARK, null));
            producer.commitTransaction();
            long mark = sent.get().offset();
            long deadline = System.nanoTime() + openTimeout.toNanos();
            while (plumbing.applied(partition) < mark) {
                if (System.nanoTime() > deadline) {
                    throw new JournalUnavailableException("the task has applied partition " + partition + "'s hold journal to "
                            + plumbing.applied(partition) + ", not yet to its opening mark at " + mark);
                }
                TimeUnit.MILLISECONDS.sleep(5); // the task applies the journal on its own thread; bounded by the deadline above
            }
            PartitionJournal journal = new PartitionJournal(partition, topic, producers, serializer, () -> plumbing.applied(partition),
                    views);
            journal.start();
            LOG.info("hold journal of partition {} open after its mark at offset {}", partition, mark);
            return journal;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            producers.forEach(producer -> producer.close(Duration.ZERO));
            throw new JournalUnavailableException("interrupted while opening the hold journal of partition " + partition, e);
        } catch (ExecutionException | RuntimeException e) {
            producers.forEach(producer -> producer.close(Duration.ZERO));
            throw e instanceof RuntimeException r ? r : new JournalUnavailableException("the opening mark was not written: " + e, e);
        }
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
    }
}
