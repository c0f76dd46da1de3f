package dev.usageledger.query.holds;

import dev.usageledger.schemas.avro.HeldLine;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.HoldStatus;
import dev.usageledger.streams.decision.HoldDecisions;
import dev.usageledger.streams.state.HoldStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hold decisions of one partition, made by one thread and journaled before they are answered.
 * Requests queue; the thread takes all that are waiting, decides them one after another against
 * used (what checks read) plus held (the held store, plus its own decisions the task has not
 * applied yet), sends them in one transaction and commits it, and only then completes their
 * answers: an answer leaves once its decision is durable. A failed commit fails the whole batch
 * (its decisions were made on one another) and the journal stops; the desk makes a new one.
 *
 * <p>Batches take turns over a few transactional producers. A commit returns once the
 * coordinator has written the commit decision; it writes the markers after that, and until they
 * are written the same producer's next transaction is refused its first partition and retried
 * after a fixed backoff (the broker's {@code add.partitions.to.txn.retry.backoff.ms}, 20 ms by
 * default). The next producer in turn has no transaction completing, so a batch never waits for
 * the markers of the one before it. Their order in the log is the order they committed in, and
 * the task applies each decision as journaled, never deciding again, so the order of two batches
 * changes nothing.
 */
final class PartitionJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionJournal.class);
    private static final int MAX_BATCH = 512;

    /** A request waiting for its decision and for the decision's commit. */
    record Pending(HoldDecisions.Request request, CompletableFuture<HoldState> answer) {
    }

    /** A decision journaled but perhaps not yet applied by the task: its amounts still count here. */
    private static final class Unapplied {
        final String key;
        final HoldState hold;
        volatile long offset = Long.MAX_VALUE; // until the commit says where it went

        Unapplied(String key, HoldState hold) {
            this.key = key;
            this.hold = hold;
        }
    }

    private final int partition;
    private final String topic;
    private final List<Producer<String, byte[]>> producers;
    private int turn;
    private final Function<HoldState, byte[]> serializer;
    private final LongSupplier appliedOffset;
    private final IntFunction<PartitionView> views;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    // the decisions not applied yet, guarded by this: in journal order (batches commit one after the
    // other, so offsets only grow along it), by hold key, and their amounts summed by held key; every
    // operation is O(1) however far the task lags (it applies in bursts between its own commits)
    private final ArrayDeque<Unapplied> unappliedInOrder = new ArrayDeque<>();
    private final Map<String, Unapplied> unapplied = new HashMap<>();
    private final Map<String, Long> unappliedHeld = new HashMap<>();
    private final Thread committer;
    private volatile boolean failed;

    PartitionJournal(int partition, String topic, List<Producer<String, byte[]>> producers, Function<HoldState, byte[]> serializer,
                     LongSupplier appliedOffset, IntFunction<PartitionView> views) {
        this.partition = partition;
        this.topic = topic;
        this.producers = List.copyOf(producers);
        this.serializer = serializer;
        this.appliedOffset = appliedOffset;
        this.views = views;
        this.committer = Thread.ofPlatform().name("hold-journal-" + partition).daemon().unstarted(this::run);
    }

    void start() {
        committer.start();
    }

    /** Whether the journal still works; a failed one answers nothing more. */
    boolean isOpen() {
        return !failed && committer.isAlive();
    }

    /** Queues a request; the answer completes once its decision is committed, or fails. */
    CompletableFuture<HoldState> submit(HoldDecisions.Request request) {
        CompletableFuture<HoldState> answer = new CompletableFuture<>();
        if (!isOpen()) {
            answer.completeExceptionally(new JournalUnavailableException("the hold journal of partition " + partition + " is closed"));
            return answer;
        }
        queue.add(new Pending(request, answer));
        return answer;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                commit(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("the hold journal of partition {} stops: {}", partition, e.toString());
            fail(batch, e);
        } finally {
            failed = true;
            List<Pending> left = new ArrayList<>();
            queue.drainTo(left);
            fail(left, new JournalUnavailableException("the hold journal of partition " + partition + " stopped"));
        }
    }

    /** Decides the batch in order, journals it in one transaction, then answers. */
    private void commit(List<Pending> batch) {
        forgetApplied();
        PartitionView view = views.apply(partition);
        List<HoldState> decided = new ArrayList<>(batch.size());
        List<Future<RecordMetadata>> sent = new ArrayList<>(batch.size());
        Map<String, HoldState> inBatch = new HashMap<>();
        Producer<String, byte[]> producer = producers.get(turn);
        turn = (turn + 1) % producers.size();
        producer.beginTransaction();
        for (Pending pending : batch) {
            String key = HoldStore.key(pending.request().tenant(), pending.request().holdId());
            HoldState earlier = inBatch.containsKey(key) ? inBatch.get(key) : known(view, key);
            if (earlier != null) {
                decided.add(earlier); // the same hold id again: the first answer stands
                sent.add(null);
                continue;
            }
            HoldState hold;
            try {
                hold = HoldDecisions.decide(pending.request(), view.policies(pending.request().tenant()), view.usage());
            } catch (RuntimeException e) {
                pending.answer().completeExceptionally(e); // this request alone: nothing of it is reserved or sent
                decided.add(null);
                sent.add(null);
                continue;
            }
            inBatch.put(key, hold);
            Unapplied reservation = reserve(key, hold);
            decided.add(hold);
            // the offset is known once the broker has the record, before the commit makes it readable
            // by the task: so no reader ever finds it applied by the task and still unplaced here
            sent.add(producer.send(new ProducerRecord<>(topic, partition, hold.getTenantId(), serializer.apply(hold)),
                    (metadata, error) -> {
                        if (metadata != null) {
                            reservation.offset = metadata.offset();
                        }
                    }));
        }
        try {
            producer.commitTransaction();
        } catch (KafkaException e) {
            releaseAll(inBatch.keySet());
            throw e;
        }
        for (int i = 0; i < batch.size(); i++) {
            Future<RecordMetadata> record = sent.get(i);
            if (record != null && decided.get(i) != null) {
                journaledAt(HoldStore.key(decided.get(i).getTenantId(), decided.get(i).getHoldId()), offsetOf(record));
            }
            batch.get(i).answer().complete(decided.get(i));
        }
    }

    /** A hold this partition already answered: stored by the task, or journaled and not yet applied. */
    private static HoldState known(PartitionView view, String key) {
        return view.stored(key);
    }

    /** The journaled decision of a hold the task has not applied yet, or null. */
    synchronized HoldState journaled(String holdKey) {
        forgetApplied();
        Unapplied journaled = unapplied.get(holdKey);
        return journaled == null ? null : journaled.hold;
    }

    /**
     * What this journal's decisions reserve on a budget that the task's held store does not show
     * yet. Read with the store (see {@code Progress#readConsistently}) by checks, status and
     * decisions alike, so each reservation counts once: here until the task applied it, there after.
     */
    synchronized long unappliedHeld(String heldKey) {
        forgetApplied();
        return unappliedHeld.getOrDefault(heldKey, 0L);
    }

    private synchronized Unapplied reserve(String key, HoldState hold) {
        Unapplied reservation = new Unapplied(key, hold);
        unappliedInOrder.addLast(reservation);
        unapplied.put(key, reservation);
        if (hold.getState() == HoldStatus.placed) {
            for (HeldLine line : hold.getLines()) {
                unappliedHeld.merge(line.getKey(), line.getAmount(), Long::sum);
            }
        }
        return reservation;
    }

    private synchronized void journaledAt(String key, long offset) {
        Unapplied reservation = unapplied.get(key);
        if (reservation != null) {
            reservation.offset = offset;
        }
    }

    /** Forgets the decisions of a batch whose commit failed: none of them reserves anything. */
    private synchronized void releaseAll(Collection<String> keys) {
        Set<Unapplied> gone = new HashSet<>();
        for (String key : keys) {
            Unapplied reservation = unapplied.get(key);
            if (reservation != null) {
                gone.add(reservation);
            }
        }
        unappliedInOrder.removeIf(gone::contains);
        gone.forEach(this::release);
    }

    private void release(Unapplied gone) {
        unapplied.remove(gone.key, gone);
        if (gone.hold.getState() == HoldStatus.placed) {
            for (HeldLine line : gone.hold.getLines()) {
                unappliedHeld.computeIfPresent(line.getKey(), (k, sum) -> sum == line.getAmount() ? null : sum - line.getAmount());
            }
        }
    }

    /** Drops the decisions the task has applied, oldest first: its held store counts them from now on. */
    private synchronized void forgetApplied() {
        if (unappliedInOrder.isEmpty()) {
            return;
        }
        long applied = appliedOffset.getAsLong();
        while (!unappliedInOrder.isEmpty() && unappliedInOrder.peekFirst().offset <= applied) {
            release(unappliedInOrder.pollFirst());
        }
    }

    private static long offsetOf(Future<RecordMetadata> record) {
        try {
            return record.get(0, TimeUnit.MILLISECONDS).offset(); // committed, so acknowledged
        } catch (Exception e) {
            return Long.MAX_VALUE; // kept until the journal is made anew: a conservative count
        }
    }

    private static void fail(List<Pending> batch, Exception cause) {
        for (Pending pending : batch) {
            pending.answer().completeExceptionally(cause instanceof JournalUnavailableException ? cause
                    : new JournalUnavailableException("the hold journal failed: " + cause, cause));
        }
    }

    @Override
    public void close() {
        committer.interrupt();
        try {
            committer.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producers.forEach(producer -> producer.close(Duration.ofSeconds(5)));
    }
}
