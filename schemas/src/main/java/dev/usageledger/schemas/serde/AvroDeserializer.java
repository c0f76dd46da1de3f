package dev.usageledger.schemas.serde;

import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.registry.SchemaRegistryClient;
import dev.usageledger.schemas.registry.SchemaRegistryException;
import dev.usageledger.schemas.serde.MalformedPayloadException.Problem;
import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent-framed Avro into the generated class {@code T}, resolving the writer's schema
 * (looked up by the id in the header, then cached) into {@code T}'s schema by Avro's rules, so
 * data written with an older compatible schema reads into the newer class.
 *
 * <p>Bytes that cannot be read raise {@link MalformedPayloadException} naming the problem; an
 * unreachable registry raises a retriable {@link SchemaRegistryException}.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    static {
        // Garbage bytes can declare a collection of billions of items; Avro would allocate it
        // before noticing the payload is too short. No ledger record comes near these bounds.
        limitIfUnset("org.apache.avro.limits.collectionItems.maxLength", 1_000_000);
        limitIfUnset("org.apache.avro.limits.string.maxLength", 16 << 20);
        limitIfUnset("org.apache.avro.limits.bytes.maxLength", 16 << 20);
    }

    private final Class<T> type;
    private final Schema readerSchema;
    private SchemaRegistryClient registry;
    private boolean ownsRegistry;
    private final Map<Integer, SpecificDatumReader<T>> readersBySchemaId = new ConcurrentHashMap<>();

    /** A deserializer to be configured by {@link #configure}. */
    public AvroDeserializer(Class<T> type) {
        this.type = type;
        this.readerSchema = SpecificData.get().getSchema(type);
    }

    /** A deserializer over a registry client the caller owns and closes. */
    public AvroDeserializer(Class<T> type, SchemaRegistryClient registry) {
        this(type);
        this.registry = registry;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        new AvroSerdeConfig(configs); // validates eagerly
        this.registry = RestSchemaRegistryClient.create(configs);
        this.ownsRegistry = true;
    }

    @Override
    public T deserialize(String topic, byte[] payload) {
        if (payload == null) {
            return null; // a tombstone
        }
        int schemaId = WireFormat.schemaId(payload);
        SpecificDatumReader<T> reader = readersBySchemaId.computeIfAbsent(schemaId, this::reader);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(payload, WireFormat.HEADER_SIZE,
                payload.length - WireFormat.HEADER_SIZE, null);
        T value;
        try {
            value = reader.read(null, decoder);
        } catch (EOFException e) {
            throw new MalformedPayloadException(Problem.TRUNCATED, schemaId, "the Avro body of " + payload.length
                    + " bytes ends before the " + readerSchema.getName() + " record does", e);
        } catch (IOException | AvroRuntimeException | ClassCastException | IndexOutOfBoundsException
                 | NegativeArraySizeException | IllegalArgumentException e) {
            throw new MalformedPayloadException(Problem.UNDECODABLE, schemaId, "the Avro body does not decode with schema id "
                    + schemaId + ": " + e, e);
        }
        try {
            if (!decoder.isEnd()) {
                throw new MalformedPayloadException(Problem.TRAILING_BYTES, schemaId, "bytes left over after the "
                        + readerSchema.getName() + " record written with schema id " + schemaId, null);
            }
        } catch (IOException e) {
            throw new MalformedPayloadException(Problem.UNDECODABLE, schemaId, e.toString(), e);
        }
        return value;
    }

    private SpecificDatumReader<T> reader(int schemaId) {
        Schema writerSchema;
        try {
            writerSchema = registry.schemaById(schemaId);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                throw new MalformedPayloadException(Problem.UNKNOWN_SCHEMA_ID, schemaId,
                        "the registry has no schema with id " + schemaId, e);
            }
            throw e;
        }
        var compatibility = SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new MalformedPayloadException(Problem.INCOMPATIBLE_SCHEMA, schemaId, "data written with schema id "
                    + schemaId + " cannot be read as " + type.getName() + ": " + compatibility.getDescription(), null);
        }
        SpecificData model = SpecificData.getForClass(type);
        return new SpecificDatumReader<>(writerSchema, readerSchema, model);
    }

    @Override
    public void close() {
        if (ownsRegistry) {
            registry.close();
        }
    }

    private static void limitIfUnset(String property, int limit) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Integer.toString(limit));
        }
    }
}
