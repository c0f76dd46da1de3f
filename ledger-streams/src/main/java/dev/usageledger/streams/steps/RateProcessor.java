package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.rules.Rating;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Step 3: the cost of an event. The caller's {@code cost_micros} wins; otherwise the price in
 * force at {@code occurred_at} from the effective-dated price book; otherwise the event is
 * {@code unpriced}: cost 0, tokens and requests still counted, and the count visible.
 */
public final class RateProcessor extends ContextualProcessor<String, UsageEvent, String, RatedUsage> {
    private final String priceStoreName;
    private KeyValueStore<String, PriceChange> prices;
    private Sensor unpriced;

    public RateProcessor(String priceStoreName) {
        this.priceStoreName = priceStoreName;
    }

    @Override
    public void init(ProcessorContext<String, RatedUsage> context) {
        super.init(context);
        prices = context.getStateStore(priceStoreName);
        // ledger-unpriced-events-total / -rate, tagged with the task: events counted without a price
        unpriced = context.metrics().addRateTotalSensor("ledger", "task-" + context.taskId(), "unpriced-events",
                Sensor.RecordingLevel.INFO);
    }

    @Override
    public void process(Record<String, UsageEvent> record) {
        UsageEvent event = record.value();
        RatedUsage rated;
        if (event.getCostMicros() != null) {
            rated = new RatedUsage(event, event.getCostMicros(), false);
        } else {
            PriceChange price = PriceBookProcessor.priceAt(prices, event.getProvider(), event.getModel(), event.getOccurredAt());
            if (price == null) {
                unpriced.record();
            }
            rated = price == null ? new RatedUsage(event, 0, true)
                    : new RatedUsage(event, Rating.costMicros(event.getInputTokens(), event.getCachedInputTokens(),
                            event.getOutputTokens(), event.getReasoningTokens(), price.getInputMicrosPerMtok(),
                            price.getCachedInputMicrosPerMtok(), price.getOutputMicrosPerMtok()), false);
        }
        context().forward(record.withValue(rated));
    }
}
