package dev.usageledger.query.holds;

import dev.usageledger.schemas.avro.HeldLine;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.HoldStatus;
import dev.usageledger.streams.decision.HoldDecisions;
import dev.usageledger.streams.state.HoldStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 */
final class PartitionJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionJournal.class);
    private static final int MAX_BATCH = 512;

    /** A request waiting for its decision and for the decision's commit. */
    record Pending(HoldDecisions.Request request, CompletableFuture<HoldState> answer) {
    }

    /** A decision journaled but perhaps not yet applied by the task: its amounts still count here. */
    private static final class Unapplied {
        final HoldState hold;
        volatile long offset = Long.MAX_VALUE; // until the commit says where it went

        Unapplied(HoldState hold) {
            this.hold = hold;
        }
    }

    private final int partition;
    private final String topic;
    private final Producer<String, byte[]> producer;
    private final Function<HoldState, byte[]> serializer;
    private final LongSupplier appliedOffset;
    private final IntFunction<PartitionView> views;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Map<String, Unapplied> unapplied = new HashMap<>(); // by hold key; guarded by this
    private final Map<String, List<Unapplied>> unappliedByBudget = new HashMap<>(); // by held key; guarded by this
    private final Thread committer;
    private volatile boolean failed;

    PartitionJournal(int partition, String topic, Producer<String, byte[]> producer, Function<HoldState, byte[]> serializer,
                     LongSupplier appliedOffset, IntFunction<PartitionView> views) {
        this.partition = partition;
        this.topic = topic;
        this.producer = producer;
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
            inBatch.keySet().forEach(this::release);
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
     * yet. Read with the store by checks, status and decisions alike; an amount the task has just
     * applied may count twice for a moment (a conservative answer, never an overshoot).
     */
    synchronized long unappliedHeld(String heldKey) {
        forgetApplied();
        long sum = 0;
        for (Unapplied reservation : unappliedByBudget.getOrDefault(heldKey, List.of())) {
            for (HeldLine line : reservation.hold.getLines()) {
                if (line.getKey().equals(heldKey)) {
                    sum += line.getAmount();
                }
            }
        }
        return sum;
    }

    private synchronized Unapplied reserve(String key, HoldState hold) {
        Unapplied reservation = new Unapplied(hold);
        unapplied.put(key, reservation);
        if (hold.getState() == HoldStatus.placed) {
            for (HeldLine line : hold.getLines()) {
                unappliedByBudget.computeIfAbsent(line.getKey(), k -> new ArrayList<>(2)).add(reservation);
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

    private synchronized void release(String key) {
        Unapplied gone = unapplied.remove(key);
        if (gone != null) {
            for (HeldLine line : gone.hold.getLines()) {
                List<Unapplied> left = unappliedByBudget.get(line.getKey());
                if (left != null && left.remove(gone) && left.isEmpty()) {
                    unappliedByBudget.remove(line.getKey());
                }
            }
        }
    }

    /** Drops the decisions the task has applied: its held store counts them from now on. */
    private synchronized void forgetApplied() {
        long applied = appliedOffset.getAsLong();
        if (unapplied.isEmpty()) {
            return;
        }
        unapplied.entrySet().stream().filter(e -> e.getValue().offset <= applied).map(Map.Entry::getKey).toList()
                .forEach(this::release);
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
        producer.close(Duration.ofSeconds(5));
    }
}
