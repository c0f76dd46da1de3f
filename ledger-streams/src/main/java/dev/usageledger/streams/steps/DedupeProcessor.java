package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.UsageEvent;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Step 2: counts an {@code event_id} once. The first occurrence is remembered, by event time,
 * in a window store whose retention (the horizon plus the late grace) bounds the state; a later
 * occurrence within the horizon is dropped even when its numbers differ.
 */
public final class DedupeProcessor extends ContextualProcessor<String, UsageEvent, String, UsageEvent> {
    private final String storeName;
    private final long horizonMs;
    private WindowStore<String, Long> seen;

    public DedupeProcessor(String storeName, Duration horizon) {
        this.storeName = storeName;
        this.horizonMs = horizon.toMillis();
    }

    @Override
    public void init(ProcessorContext<String, UsageEvent> context) {
        super.init(context);
        seen = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, UsageEvent> record) {
        UsageEvent event = record.value();
        String key = event.getTenantId() + '\u0000' + event.getEventId();
        long at = event.getOccurredAt().toEpochMilli();
        try (WindowStoreIterator<Long> earlier = seen.fetch(key, at - horizonMs, at + horizonMs)) {
            if (earlier.hasNext()) {
                return;
            }
        }
        seen.put(key, at, at);
        context().forward(record);
    }
}
