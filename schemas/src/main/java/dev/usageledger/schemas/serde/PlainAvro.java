package dev.usageledger.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro binary of a generated class with no framing and no registry: for bytes that stay local
 * (state stores, the producer's spool), where the writer's schema is known without asking.
 * Thread-safe.
 */
public final class PlainAvro<T extends SpecificRecord> {
    private final Class<T> type;
    private final Schema readerSchema;
    private final SpecificDatumWriter<T> writer;
    private final Map<Schema, SpecificDatumReader<T>> readersByWriter = new ConcurrentHashMap<>();

    public PlainAvro(Class<T> type) {
        this.type = type;
        this.readerSchema = SpecificData.get().getSchema(type);
        this.writer = new SpecificDatumWriter<>(type);
    }

    public byte[] encode(T value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(value, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
        }
        return out.toByteArray();
    }

    /** Reads bytes written with the class's own schema. */
    public T decode(byte[] bytes) {
        return decode(readerSchema, bytes);
    }

    /** Reads bytes written with {@code writerSchema} (possibly an older one) into the class. */
    public T decode(Schema writerSchema, byte[] bytes) {
        SpecificDatumReader<T> reader = readersByWriter.computeIfAbsent(writerSchema,
                w -> new SpecificDatumReader<>(w, readerSchema, SpecificData.getForClass(type)));
        try {
            return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot decode " + type.getSimpleName() + " (" + bytes.length + " bytes)", e);
        }
    }
}
