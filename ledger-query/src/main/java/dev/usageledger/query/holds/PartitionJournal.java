package dev.usageledger.query.holds;

import dev.usageledger.schemas.avro.HeldLine;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.HoldStatus;
import dev.usageledger.streams.decision.HoldDecisions;
import dev.usageledger.streams.state.HoldStore;
import dev.usageledger.streams.state.JournalEpochStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hold decisions of one partition, made by one thread and journaled before they are answered.
 *
 * <p>Requests queue; the deciding thread takes all that are waiting, decides them one after another
 * against used (what checks read) plus held (the held store, plus its own decisions the task has
 * not applied yet), and sends each to the journal with its epoch (the offset of the opening mark
 * this writer journaled, see {@link JournalEpochStore}) through an idempotent producer, acks=all,
 * which the journals of all partitions here share (its requests carry every partition's records).
 * It goes on to the next batch while those are in flight.
 *
 * <p>A decision is answered when the broker acknowledges it at the offset that follows, without a
 * gap, this writer's mark and everything it sent before: the n-th record sent after the mark at
 * offset m must land at m + n. Acks=all puts it on every in-sync replica, and since only this
 * writer's records lie between its mark and it, no newer writer's mark does, so the task will
 * apply it. Any other offset means another record came between (another instance opened the
 * partition's journal, or an earlier writer's late record landed): this writer stops and answers
 * nothing more (a retry by {@code hold_id} goes to the next writer), and the task ignores whatever
 * it journaled after a newer mark. A failed send stops the journal the same way; the desk opens a
 * new one, whose mark the task applies after everything journaled before it.
 */
final class PartitionJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionJournal.class);
    private static final int MAX_BATCH = 512;

    /** A request waiting for its decision and for the decision's confirmation. */
    record Pending(HoldDecisions.Request request, CompletableFuture<HoldState> answer) {
    }

    /** A decision journaled but perhaps not yet acknowledged or applied by the task: its amounts count here meanwhile. */
    private static final class Unapplied {
        final String key;
        final HoldState hold;
        final long expectedOffset; // where it lands if nothing of another writer comes between
        final CompletableFuture<HoldState> durable = new CompletableFuture<>();
        volatile long offset = Long.MAX_VALUE; // until the broker says where it went

        Unapplied(String key, HoldState hold, long expectedOffset) {
            this.key = key;
            this.hold = hold;
            this.expectedOffset = expectedOffset;
        }
    }

    private final int partition;
    private final String topic;
    private final long epoch;
    private final Header epochHeader;
    private final Producer<String, byte[]> producer;
    private final Function<HoldState, byte[]> serializer;
    private final LongSupplier appliedOffset;
    private final IntFunction<PartitionView> views;
    private final Runnable onFailure;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    // sent and not yet acknowledged, in the order sent (the order of the acknowledgements, and of the log)
    private final Queue<Unapplied> inFlight = new ConcurrentLinkedQueue<>();
    // the decisions not applied yet, guarded by this: in journal order (offsets only grow along it),
    // by hold key, and their amounts summed by held key; every operation is O(1) however far the
    // task lags (it applies in bursts between its own commits)
    private final ArrayDeque<Unapplied> unappliedInOrder = new ArrayDeque<>();
    private final Map<String, Unapplied> unapplied = new HashMap<>();
    private final Map<String, Long> unappliedHeld = new HashMap<>();
    private final Thread decider;
    private long nextOffset; // where the next record sent lands if this writer's records follow its mark without a gap; decider only
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile boolean failed;
    private volatile boolean closing;

    PartitionJournal(int partition, String topic, long epoch, Producer<String, byte[]> producer, Function<HoldState, byte[]> serializer,
                     LongSupplier appliedOffset, IntFunction<PartitionView> views, Runnable onFailure) {
        this.partition = partition;
        this.topic = topic;
        this.epoch = epoch;
        this.epochHeader = JournalEpochStore.header(epoch);
        this.producer = producer;
        this.nextOffset = epoch + 1;
        this.serializer = serializer;
        this.appliedOffset = appliedOffset;
        this.views = views;
        this.onFailure = onFailure;
        this.decider = Thread.ofPlatform().name("hold-journal-" + partition).daemon().unstarted(this::decide);
    }

    void start() {
        decider.start();
    }

    /** Whether the journal still works; a failed one answers nothing more. */
    boolean isOpen() {
        return !failed && decider.isAlive();
    }

    /** Queues a request; the answer completes once its decision is durable and will be applied, or fails. */
    CompletableFuture<HoldState> submit(HoldDecisions.Request request) {
        CompletableFuture<HoldState> answer = new CompletableFuture<>();
        if (!isOpen()) {
            answer.completeExceptionally(new JournalUnavailableException("the hold journal of partition " + partition + " is closed"));
            return answer;
        }
        queue.add(new Pending(request, answer));
        if (failed) { // failed meanwhile: the failure may have drained the queue before this request was in it
            failQueued(new JournalUnavailableException("the hold journal of partition " + partition + " stopped"));
        }
        return answer;
    }

    private void decide() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        try {
            while (!failed && !Thread.currentThread().isInterrupted()) {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                PartitionView view = views.apply(partition); // once a batch: the stores it reads are the same for all
                for (Pending pending : batch) {
                    decideOne(pending, view);
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            fail("deciding failed: " + e);
        } finally {
            batch.forEach(pending -> pending.answer().completeExceptionally(
                    new JournalUnavailableException("the hold journal of partition " + partition + " stopped")));
            fail("the journal stopped");
        }
    }

    /** Decides one request and sends its decision; its acknowledgement answers it. */
    private void decideOne(Pending pending, PartitionView view) {
        HoldDecisions.Request request = pending.request();
        String key = HoldStore.key(request.tenant(), request.holdId());
        Unapplied earlier = unappliedOf(key);
        if (earlier != null) { // the same hold id again: the first answer stands, once it is durable
            earlier.durable.whenComplete((hold, error) -> complete(pending.answer(), hold, error));
            return;
        }
        HoldState stored = view.stored(key);
        if (stored != null) {
            pending.answer().complete(stored);
            return;
        }
        HoldState hold;
        try {
            hold = HoldDecisions.decide(request, view.policies(request.tenant()), view.usage());
        } catch (RuntimeException e) {
            pending.answer().completeExceptionally(e); // this request alone: nothing of it is reserved or sent
            return;
        }
        byte[] value = serializer.apply(hold);
        Unapplied reservation = reserve(key, hold, nextOffset++);
        reservation.durable.whenComplete((decided, error) -> complete(pending.answer(), decided, error));
        inFlight.add(reservation);
        producer.send(new ProducerRecord<>(topic, partition, null, hold.getTenantId(), value, new RecordHeaders(new Header[] {epochHeader})),
                (metadata, error) -> acknowledged(metadata == null ? -1 : metadata.offset(), error));
        if (failed) { // stopped while this one was being sent: the failure may have passed it by
            reservation.durable.completeExceptionally(new JournalUnavailableException("the hold journal of partition " + partition
                    + " stopped; retry with the same hold_id"));
        }
    }

    /**
     * The broker's answer to the oldest send in flight (a partition's acknowledgements come in the
     * order sent): the decision is answered if it landed where this writer's next record belongs.
     */
    private void acknowledged(long offset, Exception error) {
        Unapplied sent = inFlight.poll();
        if (error != null) {
            fail("a decision was not journaled: " + error);
        } else if (sent == null || offset != sent.expectedOffset) {
            fail("a decision landed at offset " + offset + (sent == null ? "" : ", not at " + sent.expectedOffset)
                    + ": another writer's record came between; this one is fenced");
        } else {
            sent.offset = offset;
            sent.durable.complete(sent.hold);
        }
        if (failed && sent != null) { // may have landed, or not: its reservation counts until the journal is replaced
            sent.durable.completeExceptionally(new JournalUnavailableException("the hold journal of partition " + partition
                    + " stopped; retry with the same hold_id"));
        }
    }

    private static void complete(CompletableFuture<HoldState> answer, HoldState hold, Throwable error) {
        if (error != null) {
            answer.completeExceptionally(error);
        } else {
            answer.complete(hold);
        }
    }

    /** The journaled decision of a hold, acknowledged and not yet applied by the task, or null. */
    synchronized HoldState journaled(String holdKey) {
        forgetApplied();
        Unapplied journaled = unapplied.get(holdKey);
        return journaled == null || !journaled.durable.isDone() || journaled.durable.isCompletedExceptionally() ? null : journaled.hold;
    }

    /** The tenant's decisions acknowledged and not yet applied by the task, in journal order. */
    synchronized List<HoldState> journaledOf(String tenant) {
        forgetApplied();
        List<HoldState> found = new ArrayList<>();
        for (Unapplied journaled : unappliedInOrder) {
            if (journaled.hold.getTenantId().equals(tenant) && journaled.durable.isDone() && !journaled.durable.isCompletedExceptionally()) {
                found.add(journaled.hold);
            }
        }
        return found;
    }

    /**
     * What this journal's decisions reserve on a budget that the task's held store does not show
     * yet, those not yet acknowledged included (a reservation may count before its answer leaves,
     * never after). Read with the store (see {@code Progress#readConsistently}) by checks, status
     * and decisions alike, so each reservation counts once: here until the task applied it, there
     * after.
     */
    synchronized long unappliedHeld(String heldKey) {
        forgetApplied();
        return unappliedHeld.getOrDefault(heldKey, 0L);
    }

    private synchronized Unapplied unappliedOf(String key) {
        forgetApplied();
        return unapplied.get(key);
    }

    private synchronized Unapplied reserve(String key, HoldState hold, long expectedOffset) {
        Unapplied reservation = new Unapplied(key, hold, expectedOffset);
        unappliedInOrder.addLast(reservation);
        unapplied.put(key, reservation);
        if (hold.getState() == HoldStatus.placed) {
            for (HeldLine line : hold.getLines()) {
                unappliedHeld.merge(line.getKey(), line.getAmount(), Long::sum);
            }
        }
        return reservation;
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

    /**
     * Stops the journal: what waits for an answer gets a 503 (a retry by {@code hold_id} gets the
     * journaled answer from the next writer, if the decision landed). What it reserved keeps
     * counting until the desk replaces it: a decision sent may have landed.
     */
    private void fail(String why) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        failed = true;
        if (!closing) {
            LOG.warn("the hold journal of partition {} (epoch {}) stops: {}", partition, epoch, why);
        }
        JournalUnavailableException cause = new JournalUnavailableException("the hold journal of partition " + partition
                + " stopped (" + why + "); retry with the same hold_id");
        for (Unapplied waiting; (waiting = inFlight.poll()) != null; ) {
            waiting.durable.completeExceptionally(cause);
        }
        failQueued(cause);
        decider.interrupt();
        if (!closing) {
            onFailure.run();
        }
    }

    private void failQueued(JournalUnavailableException cause) {
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(pending -> pending.answer().completeExceptionally(cause));
    }

    /** Stops deciding; the producer stays open for the journals that share it (its maker closes it). */
    @Override
    public void close() {
        closing = true;
        fail("closed");
        try {
            decider.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
