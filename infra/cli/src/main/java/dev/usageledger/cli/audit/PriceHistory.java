package dev.usageledger.cli.audit;

import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.MalformedPayloadException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Every model's price history, read from the compacted prices topic start to end with a plain
 * consumer (keys {@code provider/model@effective-from-millis}; a tombstone removes its entry).
 */
final class PriceHistory {
    private final Map<String, TreeMap<Long, PriceChange>> byModel = new HashMap<>();

    static PriceHistory read(KafkaConsumer<String, byte[]> consumer, String topic, AvroDeserializer<PriceChange> deserializer) {
        PriceHistory history = new PriceHistory();
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                history.apply(record, deserializer);
            }
        }
        return history;
    }

    private void apply(ConsumerRecord<String, byte[]> record, AvroDeserializer<PriceChange> deserializer) {
        if (record.key() == null) {
            return;
        }
        int at = record.key().lastIndexOf('@');
        if (record.value() == null) {
            if (at > 0) {
                TreeMap<Long, PriceChange> model = byModel.get(record.key().substring(0, at));
                if (model != null) {
                    model.remove(Long.parseLong(record.key().substring(at + 1)));
                }
            }
            return;
        }
        try {
            PriceChange price = deserializer.deserialize(record.topic(), record.value());
            byModel.computeIfAbsent(price.getProvider() + "/" + price.getModel(), m -> new TreeMap<>())
                    .put(price.getEffectiveFrom().toEpochMilli(), price);
        } catch (MalformedPayloadException e) {
            System.err.println("ledger audit: skipping an unreadable price record " + record.key() + ": " + e.getMessage());
        }
    }

    /** The price in force at {@code atMillis}, or null. */
    PriceChange at(String provider, String model, long atMillis) {
        if (provider == null || model == null) {
            return null;
        }
        TreeMap<Long, PriceChange> history = byModel.get(provider + "/" + model);
        var entry = history == null ? null : history.floorEntry(atMillis);
        return entry == null ? null : entry.getValue();
    }
}
