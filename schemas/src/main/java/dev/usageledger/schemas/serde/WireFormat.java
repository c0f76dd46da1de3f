package dev.usageledger.schemas.serde;

import dev.usageledger.schemas.serde.MalformedPayloadException.Problem;
import java.nio.ByteBuffer;

/**
 * Confluent's framing of a serialized value: magic byte {@code 0}, the 4-byte big-endian global
 * schema id, then the Avro binary body with no container or single-object header.
 */
public final class WireFormat {
    /** The only magic byte this framing defines. */
    public static final byte MAGIC_BYTE = 0;
    /** Magic byte plus schema id. */
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /** Writes the 5-byte header for {@code schemaId} into a fresh buffer with room for {@code bodySize} more bytes. */
    public static ByteBuffer header(int schemaId, int bodySize) {
        return ByteBuffer.allocate(HEADER_SIZE + bodySize).put(MAGIC_BYTE).putInt(schemaId);
    }

    /**
     * Reads the schema id from the header of {@code payload}.
     *
     * @throws MalformedPayloadException when the payload is empty, shorter than the header, or
     *     does not start with the magic byte
     */
    public static int schemaId(byte[] payload) {
        if (payload == null || payload.length == 0) {
            throw new MalformedPayloadException(Problem.EMPTY, -1, "the payload is empty", null);
        }
        if (payload[0] != MAGIC_BYTE) {
            throw new MalformedPayloadException(Problem.WRONG_MAGIC_BYTE, -1, String.format(
                    "first byte is 0x%02x, expected the Confluent magic byte 0x00", payload[0] & 0xff), null);
        }
        if (payload.length < HEADER_SIZE) {
            throw new MalformedPayloadException(Problem.TRUNCATED, -1, "the payload has " + payload.length
                    + " bytes, fewer than the " + HEADER_SIZE + "-byte header", null);
        }
        return ByteBuffer.wrap(payload, 1, 4).getInt();
    }
}
