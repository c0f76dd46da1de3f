package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.HoldEventType;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.HoldStatus;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.state.HeldStore;
import dev.usageledger.streams.state.HoldDueStore;
import dev.usageledger.streams.state.HoldStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Record;

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

    /** The hold the event settles, if it names a placed one: its release and its settled event, as changes. */
    void settle(RatedUsage usage, long timestamp, EventChanges changes) {
        UsageEvent event = usage.event();
        if (event.getHoldId() == null) {
            return;
        }
        String key = HoldStore.key(event.getTenantId(), event.getHoldId());
        HoldState hold = holds.get(key);
        if (hold == null || hold.getState() != HoldStatus.placed) {
            return; // unknown, denied or already ended: the usage is counted all the same
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
        changes.send(Names.HOLDS_SINK, new Record<>(hold.getTenantId(), announced, timestamp));
    }
}
