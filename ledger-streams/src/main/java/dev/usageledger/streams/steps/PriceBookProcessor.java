package dev.usageledger.streams.steps;

import dev.usageledger.streams.TopologyListener;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

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
    private final TopologyListener listener;
    private KeyValueStore<String, PriceChange> prices;

    public PriceBookProcessor(String storeName, AvroDeserializer<PriceChange> deserializer, TopologyListener listener) {
        this.storeName = storeName;
        this.deserializer = deserializer;
        this.listener = listener;
    }

    /** The price of a model in force at {@code at}, or null when it has none then. */
    public static PriceChange priceAt(ReadOnlyKeyValueStore<String, PriceChange> book, String provider, String model, Instant at) {
        if (provider == null || model == null) {
            return null;
        }
        String modelKey = modelKey(provider, model);
        try (KeyValueIterator<String, PriceChange> inForce = book.reverseRange(storeKey(modelKey, Long.MIN_VALUE),
                storeKey(modelKey, at.toEpochMilli()))) {
            return inForce.hasNext() ? inForce.next().value : null;
        }
    }

    /** Every entry of a model's price history, oldest first. */
    public static List<PriceChange> history(ReadOnlyKeyValueStore<String, PriceChange> book, String provider, String model) {
        String modelKey = modelKey(provider, model);
        List<PriceChange> entries = new ArrayList<>();
        try (KeyValueIterator<String, PriceChange> all = book.range(storeKey(modelKey, Long.MIN_VALUE),
                storeKey(modelKey, Long.MAX_VALUE))) {
            all.forEachRemaining(kv -> entries.add(kv.value));
        }
        return entries;
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
            listener.priceApplied(record.key());
            return;
        }
        try {
            PriceChange price = deserializer.deserialize("", record.value());
            prices.put(storeKey(modelKey(price.getProvider(), price.getModel()), price.getEffectiveFrom().toEpochMilli()), price);
            listener.priceApplied(record.key());
        } catch (MalformedPayloadException | NumberFormatException e) {
            LOG.error("skipping an unreadable price record with key {}: {}", record.key(), e.getMessage());
        }
    }
}
