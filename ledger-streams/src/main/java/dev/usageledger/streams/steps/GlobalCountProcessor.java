package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.errors.UncountableEventException;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.streams.state.PolicyIndexCache;
import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The global task (ADR 0003): counts the usage that global policies (a provider's or a model's
 * limit over every tenant) govern, as the tenants' tasks send it on the global usage topic in the
 * transactions that count it, with the rules of a tenant's counting ({@link PolicyCounting}): the
 * period of {@code occurred_at}, late usage as an adjustment of the current period, a breach once
 * per threshold. Each counter it changes goes on the global counters topic, in the same
 * transaction, for every instance's checks and holds.
 */
final class GlobalCountProcessor extends ContextualProcessor<String, RatedUsageEvent, String, Object> {
    private static final Duration EXPIRY_INTERVAL = Duration.ofHours(1);

    private final PolicyIndexCache indexes;
    private final Duration lateGrace;
    private final Duration breachRetention;
    private PolicyCounting policies;

    GlobalCountProcessor(PolicyIndexCache indexes, Duration lateGrace, Duration breachRetention) {
        this.indexes = indexes;
        this.lateGrace = lateGrace;
        this.breachRetention = breachRetention;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        super.init(context);
        // live copies of its own: the global task's partition numbers are not the tenants'
        policies = new PolicyCounting(context, indexes, new LiveState(), lateGrace, breachRetention, true);
        context.schedule(EXPIRY_INTERVAL, PunctuationType.STREAM_TIME, streamTime -> policies.expire(streamTime,
                key -> context.forward(new Record<>(key, null, streamTime), Names.GLOBAL_COUNTERS_SINK)));
    }

    @Override
    public void close() {
        policies.close();
    }

    @Override
    public void process(Record<String, RatedUsageEvent> record) {
        RatedUsageEvent counted = record.value();
        if (counted == null || counted.getUsage() == null) {
            return;
        }
        RatedUsage usage = new RatedUsage(counted.getUsage(), counted.getCostMicros(), counted.getUnpriced());
        // the record's timestamp is when the tenant's task counted it: later than occurred_at only for late usage
        Arrival arrival = record.timestamp() > usage.event().getOccurredAt().toEpochMilli() ? Arrival.LATE : Arrival.LIVE;
        EventChanges changes = new EventChanges();
        try {
            policies.add(usage, policies.index(PolicyRules.ALL_TENANTS), record.timestamp(), arrival, changes);
        } catch (ArithmeticException e) {
            throw new UncountableEventException("amount_overflow", "event " + usage.event().getEventId() + " cannot be counted by a"
                    + " global limit: a counter would exceed " + Long.MAX_VALUE + " (" + e.getMessage() + ")", e);
        }
        changes.apply(context());
    }
}
