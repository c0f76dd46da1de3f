package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.MalformedPayloadException;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global price book: every entry of every model's price history, keyed so that the
 * price in force at an instant is one reverse range step away. Topic keys are
 * {@code provider/model@effective-from-millis}; a tombstone removes that entry.
 */
public final class PriceBookProcessor extends ContextualProcessor<String, byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(PriceBookProcessor.class);

    private final String storeName;
    private final AvroDeserializer<PriceChange> deserializer;
    private KeyValueStore<String, PriceChange> prices;

    public PriceBookProcessor(String storeName, AvroDeserializer<PriceChange> deserializer) {
        this.storeName = storeName;
        this.deserializer = deserializer;
    }

    /** The prices topic's key of one price-history entry. */
    public static String topicKey(String provider, String model, long effectiveFromMillis) {
        return modelKey(provider, model) + "@" + effectiveFromMillis;
    }

    static String modelKey(String provider, String model) {
        return provider + "/" + model;
    }

    /** Store keys sort by model, then by effective time (offset so negative instants sort too). */
    static String storeKey(String modelKey, long effectiveFromMillis) {
        return modelKey + '\u0000' + String.format("%016x", effectiveFromMillis ^ Long.MIN_VALUE);
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        super.init(context);
        prices = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.value() == null) {
            int at = record.key() == null ? -1 : record.key().lastIndexOf('@');
            if (at > 0) {
                prices.delete(storeKey(record.key().substring(0, at), Long.parseLong(record.key().substring(at + 1))));
            }
            return;
        }
        try {
            PriceChange price = deserializer.deserialize("", record.value());
            prices.put(storeKey(modelKey(price.getProvider(), price.getModel()), price.getEffectiveFrom().toEpochMilli()), price);
        } catch (MalformedPayloadException | NumberFormatException e) {
            LOG.error("skipping an unreadable price record with key {}: {}", record.key(), e.getMessage());
        }
    }
}
