package dev.usageledger.schemas.serde;

import dev.usageledger.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A {@link Serde} of one generated Avro class in Confluent's wire format. */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;

    /** A serde for values ({@code isKey=false}) or keys over a registry client the caller owns. */
    public AvroSerde(Class<T> type, SchemaRegistryClient registry, boolean autoRegister, boolean isKey) {
        this.serializer = new AvroSerializer<>(registry, autoRegister, isKey);
        this.deserializer = new AvroDeserializer<>(type, registry);
    }

    /** A value serde that registers schemas automatically. */
    public static <T extends SpecificRecord> AvroSerde<T> forValues(Class<T> type, SchemaRegistryClient registry) {
        return new AvroSerde<>(type, registry, true, false);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // Built with its registry client; nothing to configure.
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}
