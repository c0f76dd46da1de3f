package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.MalformedPayloadException;
import dev.usageledger.streams.TopologyListener;
import dev.usageledger.streams.state.PriceBook;
import dev.usageledger.streams.state.PriceHistoryCache;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global price book from the compacted prices topic: every entry of every model's price
 * history (topic key {@code provider/model@effective-from-millis}; a tombstone removes that
 * entry). The book's keys are {@link PriceBook}'s.
 */
final class PriceBookProcessor extends ContextualProcessor<String, byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(PriceBookProcessor.class);

    private final String storeName;
    private final AvroDeserializer<PriceChange> deserializer;
    private final TopologyListener listener;
    private final PriceHistoryCache histories;
    private PriceBook.Writable prices;

    PriceBookProcessor(String storeName, AvroDeserializer<PriceChange> deserializer, TopologyListener listener,
                       PriceHistoryCache histories) {
        this.storeName = storeName;
        this.deserializer = deserializer;
        this.listener = listener;
        this.histories = histories;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        super.init(context);
        prices = new PriceBook.Writable(context.getStateStore(storeName));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.value() == null) {
            prices.remove(record.key());
            histories.invalidate();
            listener.priceApplied(record.key());
            return;
        }
        try {
            PriceChange price = deserializer.deserialize("", record.value());
            prices.put(price);
            histories.invalidate();
            listener.priceApplied(record.key());
        } catch (MalformedPayloadException | NumberFormatException e) {
            LOG.error("skipping an unreadable price record with key {}: {}", record.key(), e.getMessage());
        }
    }
}
