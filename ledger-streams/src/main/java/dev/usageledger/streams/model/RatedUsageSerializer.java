package dev.usageledger.streams.model;

import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.SchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.schemas.serde.WireFormat;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryData;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes the rated topic's records in Confluent's wire format: a {@link RatedUsageEvent} (a
 * position mark, a seed request) as {@link AvroSerializer} does, and a {@link CountedUsage} by
 * laying the bytes its event arrived in into the rated record. In Avro's binary encoding a record
 * is its fields one after another, so when the event was written with the very schema the rated
 * record embeds (the same parsing form), its body is, byte for byte, the {@code usage} field's
 * value; the other fields are encoded here. An event written with another version of the schema
 * is encoded again, as any record. Either way a reader decodes the same values: the bytes it gets
 * decoded once already, to count the event (trailing bytes are refused there).
 */
public final class RatedUsageSerializer implements Serializer<Object> {
    private static final long USAGE_LAYOUT = SchemaNormalization.parsingFingerprint64(UsageEvent.getClassSchema());
    private static final int MAX_VARLONG = 10;

    private final SchemaRegistryClient registry;
    private final AvroSerializer<RatedUsageEvent> avro;
    private final Map<Integer, Boolean> layoutMatches = new ConcurrentHashMap<>();

    public RatedUsageSerializer(SchemaRegistryClient registry) {
        this.registry = registry;
        this.avro = new AvroSerializer<>(registry, true, false);
    }

    @Override
    public byte[] serialize(String topic, Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof RatedUsageEvent rated) {
            return avro.serialize(topic, rated);
        }
        CountedUsage counted = (CountedUsage) value;
        byte[] wire = counted.usageWire();
        if (wire == null || wire.length < WireFormat.HEADER_SIZE || !sameLayout(WireFormat.schemaId(wire))) {
            return avro.serialize(topic, counted.toRecord());
        }
        int schemaId = avro.registeredId(topic, RatedUsageEvent.getClassSchema());
        int body = wire.length - WireFormat.HEADER_SIZE;
        byte[] out = new byte[WireFormat.HEADER_SIZE + 1 + body + 1 + 2 * MAX_VARLONG + 5 + 1];
        out[0] = WireFormat.MAGIC_BYTE;
        out[1] = (byte) (schemaId >>> 24);
        out[2] = (byte) (schemaId >>> 16);
        out[3] = (byte) (schemaId >>> 8);
        out[4] = (byte) schemaId;
        int at = WireFormat.HEADER_SIZE;
        at += BinaryData.encodeInt(1, out, at); // usage: the UsageEvent branch of ["null", "UsageEvent"]
        System.arraycopy(wire, WireFormat.HEADER_SIZE, out, at, body);
        at += body;
        at += BinaryData.encodeLong(counted.costMicros(), out, at);
        at += BinaryData.encodeBoolean(counted.unpriced(), out, at);
        at += BinaryData.encodeInt(counted.sourcePartition(), out, at);
        at += BinaryData.encodeLong(counted.sourceOffset(), out, at);
        at += BinaryData.encodeInt(0, out, at); // seed_request: null
        return Arrays.copyOf(out, at);
    }

    /** Whether the schema registered as {@code schemaId} lays a UsageEvent out as the rated record's does. */
    private boolean sameLayout(int schemaId) {
        return layoutMatches.computeIfAbsent(schemaId,
                id -> SchemaNormalization.parsingFingerprint64(registry.schemaById(id)) == USAGE_LAYOUT);
    }

    @Override
    public void close() {
        avro.close();
    }
}
