package dev.usageledger.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes that are not a valid Confluent-framed Avro payload. Permanent: retrying the same bytes
 * fails the same way, so a consumer should set the record aside (the ledger routes it to its
 * rejected topic with {@link #problem()} as the reason) rather than retry.
 *
 * <p>A registry that cannot be reached is not this exception but a retriable
 * {@link dev.usageledger.schemas.registry.SchemaRegistryException}.
 */
public class MalformedPayloadException extends SerializationException {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the bytes. */
    public enum Problem {
        /** Null or zero-length payload. */
        EMPTY,
        /** The first byte is not the Confluent magic byte 0. */
        WRONG_MAGIC_BYTE,
        /** Fewer than the 5 header bytes, or the Avro body ends early. */
        TRUNCATED,
        /** The registry knows no schema with the id in the header. */
        UNKNOWN_SCHEMA_ID,
        /** The writer's schema cannot be read into the reader's (not schema-compatible). */
        INCOMPATIBLE_SCHEMA,
        /** The Avro body does not decode with the writer's schema. */
        UNDECODABLE,
        /** The Avro body decoded but bytes were left over. */
        TRAILING_BYTES;

        /** The reason code as written to the rejected topic, e.g. {@code wrong_magic_byte}. */
        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Problem problem;
    private final int schemaId;

    public MalformedPayloadException(Problem problem, int schemaId, String message, Throwable cause) {
        super(problem.code() + ": " + message, cause);
        this.problem = problem;
        this.schemaId = schemaId;
    }

    /** What is wrong. */
    public Problem problem() {
        return problem;
    }

    /** The schema id from the header, or -1 when the header itself was unreadable. */
    public int schemaId() {
        return schemaId;
    }
}
