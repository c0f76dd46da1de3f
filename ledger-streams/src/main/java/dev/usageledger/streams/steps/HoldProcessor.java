package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.BudgetVerdict;
import dev.usageledger.schemas.avro.EnforcementDecision;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.HoldEventType;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.HoldStatus;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.MalformedPayloadException;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.TopologyListener;
import dev.usageledger.streams.decision.HoldDecisions;
import dev.usageledger.streams.decision.UsageSource;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.errors.RejectHeaders;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.state.HeldStore;
import dev.usageledger.streams.state.HoldDueStore;
import dev.usageledger.streams.state.HoldStore;
import dev.usageledger.streams.state.JournalEpochStore;
import dev.usageledger.streams.state.PolicyBook;
import dev.usageledger.streams.state.PolicyCounterStore;
import dev.usageledger.streams.state.PolicyIndexCache;
import dev.usageledger.streams.state.PolicyUsage;
import dev.usageledger.streams.state.RollingCounterStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The holds step, in the tenant's task (the holds topic is keyed by tenant, like usage): one
 * writer per tenant, so concurrent hold requests are decided one after the other against used
 * plus held, and exactly as many are granted as there is room for. A request is decided with the
 * same rules as a check, at the request's own time, and placed on every enforced budget at once
 * or on none. Voids and expiries arrive as events on the holds topic too (the expiry punctuator
 * writes them), so the log says when each reservation ended and a replay ends it at the same place.
 */
final class HoldProcessor extends ContextualProcessor<String, byte[], String, Object> {
    private static final Duration EXPIRY_SCAN = Duration.ofSeconds(1);
    /**
     * Marks what this step announces on the holds topic for the audit trail (placed, settled,
     * voided): it comes back to this step as input, and is skipped without being decoded.
     */
    private static final String ANNOUNCEMENT_HEADER = "ledger-hold-announcement";
    private static final Header ANNOUNCEMENT = new RecordHeader(ANNOUNCEMENT_HEADER, new byte[0]);

    private final AvroDeserializer<HoldEvent> deserializer;
    private final AvroDeserializer<HoldState> journalDeserializer;
    private final String journalTopic;
    private final PolicyIndexCache indexes;
    private final TopologyListener listener;
    private final long keepFinishedMs;
    private final LiveState live;
    private final Set<String> expiryEmitted = new HashSet<>();
    private PolicyBook policies;
    private HoldStore.Writable holds;
    private HeldStore.Writable held;
    private HoldDueStore due;
    private JournalEpochStore epochs;
    private boolean dueIndexed;
    private long journalApplied = -1;
    private int partition;
    private PolicyUsage usage;

    HoldProcessor(AvroDeserializer<HoldEvent> deserializer, AvroDeserializer<HoldState> journalDeserializer, String journalTopic,
                  PolicyIndexCache indexes, TopologyListener listener, Duration keepFinished, LiveState live) {
        this.deserializer = deserializer;
        this.journalDeserializer = journalDeserializer;
        this.journalTopic = journalTopic;
        this.indexes = indexes;
        this.listener = listener;
        this.keepFinishedMs = keepFinished.toMillis();
        this.live = live;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        super.init(context);
        policies = new PolicyBook(context.getStateStore(Names.POLICY_STORE));
        holds = new HoldStore.Writable(context.getStateStore(Names.HOLD_STORE));
        held = new HeldStore.Writable(context.getStateStore(Names.HELD_STORE));
        due = new HoldDueStore(context.getStateStore(Names.HOLD_DUE_STORE));
        epochs = new JournalEpochStore(context.getStateStore(Names.JOURNAL_EPOCH_STORE));
        dueIndexed = false;
        usage = new PolicyUsage(new PolicyCounterStore(context.getStateStore(Names.POLICY_COUNTER_STORE)),
                new RollingCounterStore(context.getStateStore(Names.ROLLING_COUNTER_STORE)), null);
        context.schedule(EXPIRY_SCAN, PunctuationType.WALL_CLOCK_TIME, this::expireDue);
        partition = context.taskId().partition();
        live.held().open(partition);
        live.direct().opened(partition, Names.HOLD_STORE, context.getStateStore(Names.HOLD_STORE));
        live.direct().opened(partition, Names.HELD_STORE, context.getStateStore(Names.HELD_STORE));
        live.direct().opened(partition, Names.POLICY_COUNTER_STORE, context.getStateStore(Names.POLICY_COUNTER_STORE));
        journalApplied = -1;
        listener.holdStepStarted(partition);
    }

    @Override
    public void close() {
        live.held().close(partition);
        live.direct().closed(partition);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        RecordMetadata source = context().recordMetadata().orElseThrow();
        if (source.topic().equals(journalTopic)) {
            applyJournaled(record, source);
            return;
        }
        if (record.headers().lastHeader(ANNOUNCEMENT_HEADER) != null) {
            return; // written by this step for the audit trail (see announcement)
        }
        HoldEvent event;
        try {
            event = deserializer.deserialize("", record.value());
        } catch (MalformedPayloadException e) {
            reject(record, e.problem().code(), e.getMessage());
            return;
        }
        if (event == null) {
            reject(record, "empty", "a null value (tombstone) on the holds topic");
            return;
        }
        switch (event.getType()) {
            case requested -> place(event);
            case void_requested -> end(event, HoldStatus.voided, HoldEventType.voided, event.getOccurredAt());
            case expired -> end(event, HoldStatus.expired, null, event.getOccurredAt());
            case placed, settled, voided -> {
                // what this step wrote itself, for the audit trail
            }
        }
        listener.holdApplied(event.getTenantId(), event.getHoldId());
    }

    /**
     * Decides a request that came on the requests topic. The service no longer writes requests (its
     * reservation writer decides and journals them, see {@link #applyJournaled}); a request still
     * on the topic from an earlier version is decided here by the same rule.
     */
    private void place(HoldEvent request) {
        String key = HoldStore.key(request.getTenantId(), request.getHoldId());
        if (holds.get(key) != null) {
            return; // the same hold id again: the first answer stands
        }
        HoldState hold = HoldDecisions.decide(new HoldDecisions.Request(request.getTenantId(), request.getHoldId(), request.getScope(),
                request.getEstimate(), request.getOccurredAt(), request.getExpiresAt()), indexes.forTenant(policies, request.getTenantId()),
                new Reader());
        record(key, hold, request.getOccurredAt());
    }

    /**
     * Applies a decision the partition's reservation writer journaled (and answered) — never
     * deciding again: the stores then hold every answer given. A hold whose usage already settled
     * it (the usage was read first) is kept settled and reserves nothing.
     */
    private void applyJournaled(Record<String, byte[]> record, RecordMetadata source) {
        HoldState hold;
        try {
            hold = journalDeserializer.deserialize(source.topic(), record.value());
        } catch (MalformedPayloadException e) {
            reject(record, e.problem().code(), e.getMessage());
            return;
        }
        // readers of held amounts see the stores and the journal's own unapplied decisions as of
        // before or after this application, never halfway (see TopologyListener#holdJournalApplying)
        listener.holdJournalApplying(source.partition());
        long applied = journalApplied;
        boolean counts = hold != null && ofCurrentWriter(record);
        try {
            if (hold == null) { // a journal's opening mark: its writer's epoch; once applied, the stores hold every decision before it
                epochs.opened(source.offset());
            } else if (counts) {
                apply(hold);
            }
            applied = source.offset();
        } finally {
            journalApplied = applied;
            listener.holdJournalApplied(source.partition(), applied);
        }
        if (counts) {
            listener.holdApplied(hold.getTenantId(), hold.getHoldId());
        }
    }

    /**
     * Whether a journaled decision comes from the partition's current writer: it carries the epoch
     * of the newest opening mark applied here. A writer that lost the partition can still journal
     * after its successor's mark; it never answers those decisions (it reads the mark first, see
     * the reservation writer), and they are not applied. A record without an epoch comes from the
     * transactional journal of earlier versions, fenced by its transactions, and is applied.
     */
    private boolean ofCurrentWriter(Record<String, byte[]> record) {
        OptionalLong epoch = JournalEpochStore.epochOf(record.headers());
        return epoch.isEmpty() || epoch.getAsLong() == epochs.current();
    }

    private void apply(HoldState hold) {
        String key = HoldStore.key(hold.getTenantId(), hold.getHoldId());
        HoldState earlier = holds.get(key);
        Instant at = hold.getAnswer().getDecidedAt();
        if (earlier == null) {
            record(key, hold, at);
        } else if (Settlement.isStub(earlier)) {
            // its usage came first: granted, the hold is settled already and reserves nothing; refused, it stays refused
            HoldState kept = hold.getState() != HoldStatus.placed ? hold
                    : HoldState.newBuilder(hold).setState(HoldStatus.settled).setSettledByEventId(earlier.getSettledByEventId())
                            .setActualCostMicros(earlier.getActualCostMicros()).build();
            EventChanges changes = new EventChanges();
            changes.write(() -> {
                holds.put(key, kept);
                due.dueFinished(kept, key, keepFinishedMs);
            });
            if (hold.getState() == HoldStatus.placed) {
                changes.send(Names.HOLDS_SINK, placed(hold, at));
            }
            changes.send(Names.DECISIONS_SINK, new Record<>(hold.getTenantId(), hold.getAnswer(), at.toEpochMilli()));
            changes.apply(context());
        }
        // otherwise applied before: the stores are past this record
    }

    /** Stores a decided hold: placed, it reserves its lines and is due at its expiry; denied, it is kept to answer retries. */
    private void record(String key, HoldState hold, Instant at) {
        boolean granted = hold.getState() == HoldStatus.placed;
        Map<String, Long> reserved = granted ? held.changed(hold, 1) : Map.of();
        EventChanges changes = new EventChanges();
        changes.write(() -> holds.put(key, hold));
        if (granted) {
            changes.write(() -> {
                due.duePlaced(hold, key);
                held.write(reserved, this::heldWritten);
            });
            changes.send(Names.HOLDS_SINK, placed(hold, at));
        } else {
            changes.write(() -> due.dueFinished(hold, key, keepFinishedMs));
        }
        changes.send(Names.DECISIONS_SINK, new Record<>(hold.getTenantId(), hold.getAnswer(), at.toEpochMilli()));
        changes.apply(context());
    }

    private void heldWritten(String key, Long amount) {
        live.held().written(partition, key, amount);
    }

    private void end(HoldEvent event, HoldStatus state, HoldEventType announce, Instant at) {
        String key = HoldStore.key(event.getTenantId(), event.getHoldId());
        HoldState hold = holds.get(key);
        expiryEmitted.remove(key);
        if (hold == null || hold.getState() != HoldStatus.placed) {
            return;
        }
        Map<String, Long> released = held.changed(hold, -1);
        HoldState ended = HoldState.newBuilder(hold).setState(state).build();
        EventChanges changes = new EventChanges();
        changes.write(() -> {
            held.write(released, this::heldWritten);
            holds.put(key, ended);
            due.dueFinished(hold, key, keepFinishedMs);
        });
        if (announce != null) {
            changes.send(Names.HOLDS_SINK, announced(event, announce, at));
        }
        changes.apply(context());
    }

    /**
     * Writes an {@code expired} event for each placed hold past its expiry (the release happens
     * when the event comes back), and forgets finished holds kept long enough to answer retries.
     * Only the holds due by now are read, from the due store; after the task starts, one full
     * pass first makes sure every hold has its due entry.
     */
    private void expireDue(long now) {
        if (!dueIndexed) {
            indexAll();
            dueIndexed = true;
        }
        List<String> done = new ArrayList<>();
        List<String> forget = new ArrayList<>();
        due.forEachDueBy(now, (dueKey, key) -> {
            HoldState hold = holds.get(key);
            if (hold == null) {
                done.add(dueKey);
                return;
            }
            long expiresAt = hold.getExpiresAt().toEpochMilli();
            if (hold.getState() == HoldStatus.placed) {
                if (expiresAt <= now && expiryEmitted.add(key)) {
                    HoldEvent expired = HoldEvent.newBuilder().setHoldId(hold.getHoldId()).setTenantId(hold.getTenantId())
                            .setType(HoldEventType.expired).setOccurredAt(Instant.ofEpochMilli(now)).setExpiresAt(hold.getExpiresAt())
                            .setScope(hold.getAnswer().getScope()).setEstimate(hold.getAnswer().getEstimate()).build();
                    context().forward(new Record<>(hold.getTenantId(), (Object) expired, now), Names.HOLDS_SINK);
                }
            } else if (!dueKey.equals(HoldDueStore.key(expiresAt + keepFinishedMs, key))) {
                done.add(dueKey); // the entry of the hold while it was placed
            } else if (expiresAt + keepFinishedMs < now) {
                done.add(dueKey);
                forget.add(key);
            }
        });
        done.forEach(due::delete);
        forget.forEach(holds::delete);
    }

    /** Gives every hold its due entry (a no-op for those that have one). */
    private void indexAll() {
        holds.forEach((key, hold) -> {
            long expiresAt = hold.getExpiresAt().toEpochMilli();
            due.put(hold.getState() == HoldStatus.placed ? expiresAt : expiresAt + keepFinishedMs, key);
        });
    }

    /** The audit trail's {@code placed} event of a hold: the budgets it was decided on. */
    private static Record<String, HoldEvent> placed(HoldState hold, Instant at) {
        EnforcementDecision answer = hold.getAnswer();
        HoldEvent event = HoldEvent.newBuilder().setHoldId(hold.getHoldId()).setTenantId(hold.getTenantId()).setType(HoldEventType.placed)
                .setOccurredAt(at).setExpiresAt(hold.getExpiresAt()).setScope(answer.getScope()).setEstimate(answer.getEstimate())
                .setPolicyIds(answer.getBudgets().stream().map(BudgetVerdict::getPolicyId).distinct().toList()).build();
        return announcement(hold.getTenantId(), event, at.toEpochMilli());
    }

    private static Record<String, HoldEvent> announced(HoldEvent cause, HoldEventType type, Instant at) {
        HoldEvent event = HoldEvent.newBuilder(cause).setType(type).setOccurredAt(at).build();
        return announcement(cause.getTenantId(), event, at.toEpochMilli());
    }

    /** A hold event this step writes for the audit trail only; see {@link #ANNOUNCEMENT_HEADER}. */
    static Record<String, HoldEvent> announcement(String tenant, HoldEvent event, long timestamp) {
        return new Record<>(tenant, event, timestamp, new RecordHeaders(new Header[] {ANNOUNCEMENT}));
    }

    private void reject(Record<String, byte[]> record, String reason, String detail) {
        RecordMetadata source = context().recordMetadata().orElseThrow();
        context().forward(new Record<>(record.key(), (Object) record.value(), record.timestamp(),
                RejectHeaders.of(record.headers(), reason, detail, source.topic(), source.partition(), source.offset())),
                Names.HOLDS_REJECTED_SINK);
    }

    /** Used from the counters, held from the held store: what the decision weighs a request against. */
    private final class Reader implements UsageSource {
        @Override
        public long used(BudgetPolicy policy, String member, PeriodWindow period) {
            return usage.counter(policy, member, period).used();
        }

        @Override
        public long held(BudgetPolicy policy, String member, PeriodWindow period) {
            return held.held(policy, member, period);
        }

        @Override
        public long[][] rollingBuckets(BudgetPolicy policy, String member, long atMs) {
            return usage.rollingBuckets(policy, member, atMs);
        }
    }
}
