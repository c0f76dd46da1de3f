package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.CallScope;
import dev.usageledger.schemas.avro.EnforcementDecision;
import dev.usageledger.schemas.avro.Estimate;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.HoldEventType;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.HoldStatus;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.Verdict;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.state.HeldStore;
import dev.usageledger.streams.state.HoldDueStore;
import dev.usageledger.streams.state.HoldStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Settles holds: a counted usage event that names a placed hold releases the hold's reservations
 * (the event itself is counted in full, whether it used less or more than the estimate) and
 * records the actual cost, so status can show an overrun.
 */
final class Settlement {
    private final HoldStore.Writable holds;
    private final HeldStore.Writable held;
    private final HoldDueStore due;
    private final LiveState live;
    private final int partition;
    private final long keepFinishedMs;

    Settlement(HoldStore.Writable holds, HeldStore.Writable held, HoldDueStore due, LiveState live, int partition,
               Duration keepFinished) {
        this.holds = holds;
        this.held = held;
        this.due = due;
        this.live = live;
        this.partition = partition; // the hold step of the same task opens and closes the held copy
        this.keepFinishedMs = keepFinished.toMillis();
    }

    /** The reason a settled stub carries in place of its hold's answer, which it does not know yet. */
    static final String STUB_REASON = "settled before its decision was applied";

    /** What is known of a hold settled before its decision was applied: who settled it, at what cost; no lines. */
    private static HoldState stub(UsageEvent event, long costMicros) {
        EnforcementDecision unknown = EnforcementDecision.newBuilder().setDecisionId(event.getHoldId()).setTenantId(event.getTenantId())
                .setDecidedAt(event.getOccurredAt()).setDecision(Verdict.allow).setReasons(List.of(STUB_REASON))
                .setScope(CallScope.newBuilder().build())
                .setEstimate(Estimate.newBuilder().build()).setHoldId(event.getHoldId()).build();
        return HoldState.newBuilder().setHoldId(event.getHoldId()).setTenantId(event.getTenantId()).setState(HoldStatus.settled)
                .setExpiresAt(event.getOccurredAt()).setAnswer(unknown).setSettledByEventId(event.getEventId())
                .setActualCostMicros(costMicros).build();
    }

    /** Whether {@code hold} is a settled stub: usage settled it before its journaled decision was applied. */
    static boolean isStub(HoldState hold) {
        return hold.getState() == HoldStatus.settled && hold.getAnswer().getReasons().equals(List.of(STUB_REASON));
    }

    /** The hold the event settles, if it names a placed one: its release and its settled event, as changes. */
    void settle(RatedUsage usage, long timestamp, EventChanges changes) {
        UsageEvent event = usage.event();
        if (event.getHoldId() == null) {
            return;
        }
        String key = HoldStore.key(event.getTenantId(), event.getHoldId());
        HoldState hold = holds.get(key);
        if (hold == null) {
            // the journal record of the hold may still be on its way (usage and journal are read
            // side by side): leave a settled stub, so the hold is applied as settled when it comes
            changes.write(() -> {
                HoldState stub = stub(event, usage.costMicros());
                holds.put(key, stub);
                due.dueFinished(stub, key, keepFinishedMs);
            });
            return;
        }
        if (hold.getState() != HoldStatus.placed) {
            return; // denied or already ended: the usage is counted all the same
        }
        Map<String, Long> released = held.changed(hold, -1);
        HoldState settled = HoldState.newBuilder(hold).setState(HoldStatus.settled).setSettledByEventId(event.getEventId())
                .setActualCostMicros(usage.costMicros()).build();
        changes.write(() -> {
            held.write(released, (line, amount) -> live.held().written(partition, line, amount));
            holds.put(key, settled);
            due.dueFinished(hold, key, keepFinishedMs);
        });
        HoldEvent announced = HoldEvent.newBuilder().setHoldId(hold.getHoldId()).setTenantId(hold.getTenantId())
                .setType(HoldEventType.settled).setOccurredAt(event.getOccurredAt()).setExpiresAt(hold.getExpiresAt())
                .setScope(hold.getAnswer().getScope()).setEstimate(hold.getAnswer().getEstimate())
                .setPolicyIds(List.copyOf(hold.getAnswer().getBudgets().stream().map(b -> b.getPolicyId()).toList()))
                .setSettledByEventId(event.getEventId()).setActualCostMicros(usage.costMicros()).build();
        changes.send(Names.HOLDS_SINK, HoldProcessor.announcement(hold.getTenantId(), announced, timestamp));
    }
}
