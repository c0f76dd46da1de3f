package dev.usageledger.producer.internal;

import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.serde.PlainAvro;
import dev.usageledger.schemas.serde.RegistrySchemas;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * Plain Avro binary of a usage event, for the spool: no registry id, so spooling works while
 * the registry is unreachable; the segment header carries the writer's schema instead.
 */
public final class EventCodec {
    /** The schema events are spooled with. */
    public static final String WRITER_SCHEMA = RegistrySchemas.portable(UsageEvent.getClassSchema()).toString();

    private final PlainAvro<UsageEvent> avro = new PlainAvro<>(UsageEvent.class);
    private final Map<String, Schema> parsedWriterSchemas = new ConcurrentHashMap<>();

    public byte[] encode(UsageEvent event) {
        return avro.encode(event);
    }

    /** Reads an event spooled with {@code writerSchema} (possibly an older one) into the current class. */
    public UsageEvent decode(String writerSchema, byte[] bytes) {
        return avro.decode(parsedWriterSchemas.computeIfAbsent(writerSchema, s -> new Schema.Parser().parse(s)), bytes);
    }
}
