package dev.usageledger.schemas.serde;

import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro {@link SpecificRecord}s in Confluent's wire format ({@link WireFormat}), with the
 * writer's schema registered under {@code <topic>-value} (or {@code -key}).
 *
 * <p>The schema id is resolved once per topic and cached; after that a write does no I/O.
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {
    private SchemaRegistryClient registry;
    private boolean ownsRegistry;
    private boolean autoRegister = true;
    private boolean isKey;
    private final Map<String, Integer> idsByTopic = new ConcurrentHashMap<>();
    private final Map<Schema, Schema> portableSchemas = new ConcurrentHashMap<>();
    private final Map<Class<?>, SpecificDatumWriter<T>> writers = new ConcurrentHashMap<>();

    /** For Kafka's reflective construction; {@link #configure} supplies the registry. */
    public AvroSerializer() {
    }

    /** A serializer over a registry client the caller owns and closes. */
    public AvroSerializer(SchemaRegistryClient registry, boolean autoRegister, boolean isKey) {
        this.registry = registry;
        this.autoRegister = autoRegister;
        this.isKey = isKey;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        this.registry = RestSchemaRegistryClient.create(configs);
        this.ownsRegistry = true;
        this.autoRegister = config.autoRegister();
        this.isKey = isKey;
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        int schemaId = registeredId(topic, record.getSchema());
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(WireFormat.MAGIC_BYTE);
        out.write(schemaId >>> 24);
        out.write(schemaId >>> 16);
        out.write(schemaId >>> 8);
        out.write(schemaId);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer(record).write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot write " + record.getSchema().getFullName() + " for topic "
                    + topic + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /**
     * The id {@code schema} is registered with for {@code topic}'s subject (registered first when
     * this serializer auto-registers), as {@link #serialize} writes it: for a caller framing bytes
     * it encoded itself.
     */
    public int registeredId(String topic, Schema schema) {
        return idsByTopic.computeIfAbsent(topic, t -> schemaId(t, schema));
    }

    private int schemaId(String topic, Schema schema) {
        Schema portable = portableSchemas.computeIfAbsent(schema, RegistrySchemas::portable);
        String subject = SubjectNames.of(topic, isKey);
        return autoRegister ? registry.register(subject, portable) : registry.lookup(subject, portable).id();
    }

    @SuppressWarnings("unchecked")
    private SpecificDatumWriter<T> writer(T record) {
        // The class-based constructor picks up the generated class's logical-type conversions.
        return writers.computeIfAbsent(record.getClass(), c -> new SpecificDatumWriter<>((Class<T>) c));
    }

    @Override
    public void close() {
        if (ownsRegistry) {
            registry.close();
        }
    }
}
