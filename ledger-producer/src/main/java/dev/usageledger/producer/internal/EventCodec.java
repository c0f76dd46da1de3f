package dev.usageledger.producer.internal;

import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.serde.RegistrySchemas;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Plain Avro binary of a usage event, for the spool: no registry id, so spooling works while
 * the registry is unreachable; the segment header carries the writer's schema instead.
 */
public final class EventCodec {
    /** The schema events are spooled with. */
    public static final String WRITER_SCHEMA = RegistrySchemas.portable(UsageEvent.getClassSchema()).toString();

    private final SpecificDatumWriter<UsageEvent> writer = new SpecificDatumWriter<>(UsageEvent.class);

    public byte[] encode(UsageEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(event, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Reads an event spooled with {@code writerSchema} (possibly an older one) into the current class. */
    public UsageEvent decode(String writerSchema, byte[] bytes) {
        Schema writer = new Schema.Parser().parse(writerSchema);
        SpecificDatumReader<UsageEvent> reader = new SpecificDatumReader<>(writer, UsageEvent.getClassSchema(),
                SpecificData.getForClass(UsageEvent.class));
        try {
            return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable event in the spool", e);
        }
    }
}
