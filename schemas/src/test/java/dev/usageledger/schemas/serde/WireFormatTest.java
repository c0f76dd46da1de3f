package dev.usageledger.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.schemas.serde.MalformedPayloadException.Problem;
import org.junit.jupiter.api.Test;

class WireFormatTest {

    @Test
    void shouldReadTheBigEndianSchemaIdAfterTheMagicByte() {
        byte[] payload = {0, 0x01, 0x02, 0x03, 0x04, 42};

        assertThat(WireFormat.schemaId(payload)).isEqualTo(0x01020304);
    }

    @Test
    void shouldWriteTheHeaderItReads() {
        byte[] payload = WireFormat.header(123_456, 0).array();

        assertThat(payload).hasSize(5).startsWith(0);
        assertThat(WireFormat.schemaId(payload)).isEqualTo(123_456);
    }

    @Test
    void shouldNameAnEmptyPayload() {
        assertProblem(new byte[0], Problem.EMPTY, "empty");
        assertProblem(null, Problem.EMPTY, "empty");
    }

    @Test
    void shouldNameAWrongMagicByte() {
        assertProblem(new byte[] {1, 0, 0, 0, 1, 2}, Problem.WRONG_MAGIC_BYTE, "0x01");
        assertProblem("{\"json\":true}".getBytes(), Problem.WRONG_MAGIC_BYTE, "0x7b");
    }

    @Test
    void shouldNameAHeaderCutShort() {
        assertProblem(new byte[] {0, 0, 1}, Problem.TRUNCATED, "3 bytes");
    }

    private static void assertProblem(byte[] payload, Problem problem, String detail) {
        assertThatThrownBy(() -> WireFormat.schemaId(payload))
                .isInstanceOfSatisfying(MalformedPayloadException.class, e -> assertThat(e.problem()).isEqualTo(problem))
                .hasMessageStartingWith(problem.code())
                .hasMessageContaining(detail);
    }
}
