package dev.usageledger.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.schemas.serde.WireFormat;
import dev.usageledger.streams.model.CountedUsage;
import dev.usageledger.streams.model.RatedUsageSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class RatedUsageSerializerTest {
    private static final String USAGE = "ledger.usage.v1";
    private static final String RATED = "ledger.usage.rated.v1";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final AvroSerializer<UsageEvent> usageWriter = new AvroSerializer<>(registry, true, false);
    private final AvroSerializer<RatedUsageEvent> ratedWriter = new AvroSerializer<>(registry, true, false);
    private final RatedUsageSerializer serializer = new RatedUsageSerializer(registry);
    private final AvroDeserializer<RatedUsageEvent> reader = new AvroDeserializer<>(RatedUsageEvent.class, registry);

    @Test
    void shouldWriteTheEventAsItArrivedByteForByteAsEncodingItWould() {
        // Given an event as a producer wrote it with the current schema, counted at a cost
        UsageEvent event = event();
        CountedUsage counted = new CountedUsage(event, usageWriter.serialize(USAGE, event), 123_456_789L, false, 3, 987_654_321_012L);

        byte[] written = serializer.serialize(RATED, counted);

        // Then the rated record is exactly what encoding it would give, and reads back whole
        assertThat(written).isEqualTo(ratedWriter.serialize(RATED, counted.toRecord()));
        assertThat(reader.deserialize(RATED, written)).isEqualTo(counted.toRecord());
    }

    @Test
    void shouldEncodeAgainAnEventWrittenWithAnotherVersionOfTheSchema() throws IOException {
        // Given an event written with an older schema: the current one without its last defaulted field
        Schema older = olderUsageSchema();
        UsageEvent event = event();
        GenericRecord asWritten = new GenericData.Record(older);
        for (Schema.Field field : older.getFields()) {
            Object value = event.get(field.name());
            asWritten.put(field.name(), value instanceof Instant at ? at.toEpochMilli()
                    : value instanceof Enum<?> symbol ? new GenericData.EnumSymbol(field.schema(), symbol.name()) : value);
        }
        int olderId = registry.register(USAGE + "-value", older);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(WireFormat.header(olderId, 0).array(), 0, WireFormat.HEADER_SIZE);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(older).write(asWritten, encoder);
        encoder.flush();
        CountedUsage counted = new CountedUsage(event, out.toByteArray(), 5L, true, 0, 42L);

        byte[] written = serializer.serialize(RATED, counted);

        // Then its bytes are not laid in (their layout differs): the record is encoded and reads back whole
        assertThat(written).isEqualTo(ratedWriter.serialize(RATED, counted.toRecord()));
        assertThat(reader.deserialize(RATED, written)).isEqualTo(counted.toRecord());
    }

    @Test
    void shouldWriteMarksAsAnyRecord() {
        RatedUsageEvent mark = RatedUsageEvent.newBuilder().setUsage(null).setCostMicros(0).setUnpriced(false).setSourcePartition(1)
                .setSourceOffset(77).build();

        assertThat(serializer.serialize(RATED, mark)).isEqualTo(ratedWriter.serialize(RATED, mark));
    }

    private static Schema olderUsageSchema() {
        Schema current = UsageEvent.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        Schema.Field dropped = null;
        for (Schema.Field field : current.getFields()) {
            if (field.hasDefaultValue()) {
                dropped = field;
            }
        }
        for (Schema.Field field : current.getFields()) {
            if (field != dropped) {
                fields.add(new Schema.Field(field, field.schema()));
            }
        }
        assertThat(dropped).as("a defaulted field to leave out").isNotNull();
        return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
    }

    private static UsageEvent event() {
        return UsageEvent.newBuilder().setEventId("e-1").setTenantId("acme").setOccurredAt(Instant.parse("2026-12-01T10:15:30.123Z"))
                .setTeamIds(List.of("acme-research", "acme-platform")).setUserId("ana").setApiKeyId("key-1").setFeature("chat")
                .setEndpoint("/v1/chat/completions").setProvider("openai").setModel("gpt-4o").setInputTokens(1_200L)
                .setCachedInputTokens(300L).setOutputTokens(450L).setReasoningTokens(0L).setRequests(1).setCostMicros(null)
                .setStatus(UsageStatus.ok).setLatencyMs(812L).build();
    }
}
