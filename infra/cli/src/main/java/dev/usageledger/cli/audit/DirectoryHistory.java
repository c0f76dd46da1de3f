package dev.usageledger.cli.audit;

import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.DirectoryKind;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.MalformedPayloadException;
import dev.usageledger.streams.rules.KeyDirectory;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * The tenants' key directories, every version of every entry, read from the compacted directory
 * topic start to end with a plain consumer: usage is completed against it as the ledger does
 * ({@link KeyDirectory}), with the directory as it was when each call was made.
 */
final class DirectoryHistory implements KeyDirectory {
    private final Map<String, TreeMap<Long, DirectoryEntry>> byId = new HashMap<>();

    static DirectoryHistory read(KafkaConsumer<String, byte[]> consumer, String topic, AvroDeserializer<DirectoryEntry> deserializer,
                                 PrintStream err) {
        DirectoryHistory history = new DirectoryHistory();
        List<PartitionInfo> found = consumer.partitionsFor(topic);
        if (found == null || found.isEmpty()) {
            err.println("ledger audit: no directory topic '" + topic + "': usage is audited as it was published, with no key directory");
            return history;
        }
        List<TopicPartition> partitions = found.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.value() == null) {
                    continue; // the ledger never deletes a version
                }
                try {
                    DirectoryEntry entry = deserializer.deserialize(record.topic(), record.value());
                    history.byId.computeIfAbsent(id(entry.getTenantId(), entry.getKind(), entry.getId()), k -> new TreeMap<>())
                            .put(entry.getEffectiveFrom().toEpochMilli(), entry);
                } catch (MalformedPayloadException e) {
                    err.println("ledger audit: skipping an unreadable directory record " + record.key() + ": " + e.getMessage());
                }
            }
        }
        return history;
    }

    @Override
    public DirectoryEntry inForce(String tenant, DirectoryKind kind, String id, Instant at) {
        TreeMap<Long, DirectoryEntry> versions = byId.get(id(tenant, kind, id));
        var entry = versions == null ? null : versions.floorEntry(at.toEpochMilli());
        return entry == null || entry.getValue().getRemoved() ? null : entry.getValue();
    }

    private static String id(String tenant, DirectoryKind kind, String id) {
        return tenant + '\u0000' + kind + '\u0000' + id;
    }
}
