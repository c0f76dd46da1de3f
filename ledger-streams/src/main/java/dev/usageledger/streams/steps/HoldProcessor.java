package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.BudgetVerdict;
import dev.usageledger.schemas.avro.CallScope;
import dev.usageledger.schemas.avro.EnforcementDecision;
import dev.usageledger.schemas.avro.HeldLine;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.HoldEventType;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.HoldStatus;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.MalformedPayloadException;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.TopologyListener;
import dev.usageledger.streams.decision.BudgetLine;
import dev.usageledger.streams.decision.Decider;
import dev.usageledger.streams.decision.Decision;
import dev.usageledger.streams.decision.Estimate;
import dev.usageledger.streams.decision.UsageSource;
import dev.usageledger.streams.decision.Verdict;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.errors.RejectHeaders;
import dev.usageledger.streams.rules.CallDimensions;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.state.HeldStore;
import dev.usageledger.streams.state.HoldDueStore;
import dev.usageledger.streams.state.HoldStore;
import dev.usageledger.streams.state.PeriodUsage;
import dev.usageledger.streams.state.PolicyBook;
import dev.usageledger.streams.state.PolicyCounterStore;
import dev.usageledger.streams.state.PolicyIndexCache;
import dev.usageledger.streams.state.PolicyUsage;
import dev.usageledger.streams.state.RollingCounterStore;
import dev.usageledger.streams.state.TotalsStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    private final AvroDeserializer<HoldEvent> deserializer;
    private final PolicyIndexCache indexes;
    private final TopologyListener listener;
    private final long keepFinishedMs;
    private final LiveState live;
    private final Set<String> expiryEmitted = new HashSet<>();
    private PolicyBook policies;
    private HoldStore.Writable holds;
    private HeldStore.Writable held;
    private HoldDueStore due;
    private boolean dueIndexed;
    private int partition;
    private PolicyUsage usage;

    HoldProcessor(AvroDeserializer<HoldEvent> deserializer, PolicyIndexCache indexes, TopologyListener listener,
                  Duration keepFinished, LiveState live) {
        this.deserializer = deserializer;
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
        dueIndexed = false;
        usage = new PolicyUsage(new PolicyCounterStore(context.getStateStore(Names.POLICY_COUNTER_STORE)),
                new RollingCounterStore(context.getStateStore(Names.ROLLING_COUNTER_STORE)),
                new PeriodUsage(new TotalsStore(context.getStateStore(Names.TOTALS_HOUR_STORE)),
                        new TotalsStore(context.getStateStore(Names.TOTALS_DAY_STORE))));
        context.schedule(EXPIRY_SCAN, PunctuationType.WALL_CLOCK_TIME, this::expireDue);
        partition = context.taskId().partition();
        live.held().open(partition);
    }

    @Override
    public void close() {
        live.held().close(partition);
    }

    @Override
    public void process(Record<String, byte[]> record) {
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

    private void place(HoldEvent request) {
        String key = HoldStore.key(request.getTenantId(), request.getHoldId());
        if (holds.get(key) != null) {
            return; // the same hold id again: the first answer stands
        }
        CallScope scope = request.getScope();
        CallDimensions call = new CallDimensions(request.getTenantId(), scope.getTeamIds(), scope.getUserId(), scope.getApiKeyId(),
                scope.getFeature(), scope.getProvider(), scope.getModel(), scope.getEndpoint());
        Estimate estimate = Estimate.of(request.getEstimate());
        Instant at = request.getOccurredAt();
        Decision decision = Decider.decide(call, estimate, estimate.costMicros(), false,
                indexes.forTenant(policies, request.getTenantId()), new Reader(), at);
        boolean granted = decision.decision() != Verdict.deny;
        List<HeldLine> lines = new ArrayList<>();
        if (granted) {
            for (BudgetLine line : decision.budgets()) {
                if (line.policy().getEnforce() && line.estimate() > 0) {
                    lines.add(new HeldLine(HeldStore.key(line.policy(), line.member(), line.period()), line.estimate()));
                }
            }
        }
        HoldState hold = HoldState.newBuilder().setHoldId(request.getHoldId()).setTenantId(request.getTenantId())
                .setState(granted ? HoldStatus.placed : HoldStatus.denied)
                .setExpiresAt(request.getExpiresAt() == null ? at : request.getExpiresAt()).setLines(lines)
                .setAnswer(answer(request, decision, at)).build();
        Map<String, Long> reserved = granted ? held.changed(hold, 1) : Map.of();
        EventChanges changes = new EventChanges();
        changes.write(() -> holds.put(key, hold));
        if (granted) {
            changes.write(() -> {
                due.duePlaced(hold, key);
                held.write(reserved, this::heldWritten);
            });
            changes.send(Names.HOLDS_SINK, announced(request, HoldEventType.placed, at, decision));
        } else {
            changes.write(() -> due.dueFinished(hold, key, keepFinishedMs));
        }
        changes.send(Names.DECISIONS_SINK, new Record<>(request.getTenantId(), hold.getAnswer(), at.toEpochMilli()));
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
            changes.send(Names.HOLDS_SINK, announced(event, announce, at, null));
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

    private static Record<String, HoldEvent> announced(HoldEvent cause, HoldEventType type, Instant at, Decision decision) {
        HoldEvent event = HoldEvent.newBuilder(cause).setType(type).setOccurredAt(at)
                .setPolicyIds(decision == null ? cause.getPolicyIds()
                        : decision.budgets().stream().filter(l -> l.policy().getEnforce()).map(l -> l.policy().getPolicyId()).toList())
                .build();
        return new Record<>(cause.getTenantId(), event, at.toEpochMilli());
    }

    private static EnforcementDecision answer(HoldEvent request, Decision decision, Instant at) {
        List<BudgetVerdict> budgets = new ArrayList<>();
        for (BudgetLine line : decision.budgets()) {
            budgets.add(BudgetVerdict.newBuilder().setPolicyId(line.policy().getPolicyId())
                    .setSubject(new Subject(line.policy().getSubject().getType(), line.member()))
                    .setPeriodStart(line.period().start()).setPeriodEnd(line.period().end())
                    .setUsed(line.used()).setHeld(line.held()).setLimit(line.limit())
                    .setVerdict(dev.usageledger.schemas.avro.Verdict.valueOf(line.verdict().name())).setReason(line.reason())
                    .setUnlimited(line.unlimited()).build());
        }
        return EnforcementDecision.newBuilder().setDecisionId(request.getHoldId()).setTenantId(request.getTenantId()).setDecidedAt(at)
                .setDecision(dev.usageledger.schemas.avro.Verdict.valueOf(decision.decision().name())).setReasons(decision.reasons())
                .setScope(request.getScope()).setEstimate(request.getEstimate()).setHoldId(request.getHoldId()).setBudgets(budgets).build();
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
