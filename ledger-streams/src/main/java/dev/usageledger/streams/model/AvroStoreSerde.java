package dev.usageledger.streams.model;

import dev.usageledger.schemas.serde.PlainAvro;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Plain Avro binary of a generated class, for local state: stores hold only what this version
 * of the application wrote, so they need no registry round trip.
 */
public final class AvroStoreSerde {
    private AvroStoreSerde() {
    }

    public static <T extends SpecificRecord> Serde<T> of(Class<T> type) {
        PlainAvro<T> avro = new PlainAvro<>(type);
        return Serdes.serdeFrom((topic, value) -> value == null ? null : avro.encode(value),
                (topic, bytes) -> bytes == null ? null : avro.decode(bytes));
    }
}
