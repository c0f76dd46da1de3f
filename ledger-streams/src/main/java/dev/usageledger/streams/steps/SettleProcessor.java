package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.HoldEventType;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.HoldStatus;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.TopologyListener;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.model.RatedUsage;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Settles holds: a counted usage event that names a placed hold releases the hold's
 * reservations (the event itself was just counted, whether it used less or more than the
 * estimate) and records the actual cost, so status can show an overrun.
 */
public final class SettleProcessor extends ContextualProcessor<String, RatedUsage, String, Object> {
    private final TopologyListener listener;
    private final LiveState live;
    private final long keepFinishedMs;
    private int partition;
    private KeyValueStore<String, String> due;
    private KeyValueStore<String, HoldState> holds;
    private KeyValueStore<String, Long> held;

    public SettleProcessor(TopologyListener listener, LiveState live, Duration keepFinished) {
        this.listener = listener;
        this.live = live;
        this.keepFinishedMs = keepFinished.toMillis();
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        super.init(context);
        holds = context.getStateStore(Names.HOLD_STORE);
        held = context.getStateStore(Names.HELD_STORE);
        due = context.getStateStore(Names.HOLD_DUE_STORE);
        partition = context.taskId().partition(); // the hold step of the same task opens and closes the held copy
    }

    @Override
    public void process(Record<String, RatedUsage> record) {
        UsageEvent event = record.value().event();
        if (event.getHoldId() == null) {
            return;
        }
        String key = Holds.holdKey(event.getTenantId(), event.getHoldId());
        HoldState hold = holds.get(key);
        if (hold == null || hold.getState() != HoldStatus.placed) {
            return; // unknown, denied or already ended: the usage is counted all the same
        }
        Holds.apply(held, hold, -1, (line, amount) -> live.held().written(partition, line, amount));
        holds.put(key, HoldState.newBuilder(hold).setState(HoldStatus.settled).setSettledByEventId(event.getEventId())
                .setActualCostMicros(record.value().costMicros()).build());
        Holds.dueFinished(due, hold, key, keepFinishedMs);
        HoldEvent settled = HoldEvent.newBuilder().setHoldId(hold.getHoldId()).setTenantId(hold.getTenantId())
                .setType(HoldEventType.settled).setOccurredAt(event.getOccurredAt()).setExpiresAt(hold.getExpiresAt())
                .setScope(hold.getAnswer().getScope()).setEstimate(hold.getAnswer().getEstimate())
                .setPolicyIds(List.copyOf(hold.getAnswer().getBudgets().stream().map(b -> b.getPolicyId()).toList()))
                .setSettledByEventId(event.getEventId()).setActualCostMicros(record.value().costMicros()).build();
        context().forward(new Record<>(hold.getTenantId(), (Object) settled, record.timestamp()), Names.HOLDS_SINK);
        listener.holdApplied(hold.getTenantId(), hold.getHoldId());
    }
}
