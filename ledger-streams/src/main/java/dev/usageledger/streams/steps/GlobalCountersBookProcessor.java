package dev.usageledger.streams.steps;

import dev.usageledger.streams.model.PolicyCounter;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps every instance's copy of the global policies' counters from the compacted global counters
 * topic, which the global task writes (a tombstone: a period it no longer keeps). Keys are
 * {@link dev.usageledger.streams.state.PolicyCounterStore}'s.
 */
final class GlobalCountersBookProcessor extends ContextualProcessor<String, PolicyCounter, Void, Void> {
    private final String storeName;
    private KeyValueStore<String, PolicyCounter> counters;

    GlobalCountersBookProcessor(String storeName) {
        this.storeName = storeName;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        super.init(context);
        counters = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, PolicyCounter> record) {
        if (record.value() == null) {
            counters.delete(record.key());
        } else {
            counters.put(record.key(), record.value());
        }
    }
}
