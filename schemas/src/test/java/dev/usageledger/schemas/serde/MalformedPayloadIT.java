package dev.usageledger.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.MalformedPayloadException.Problem;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every way a payload can be bad gives {@link MalformedPayloadException} with its own problem. */
@ExtendWith(LedgerClusterExtension.class)
class MalformedPayloadIT {
    private final String topic = LedgerCluster.uniqueName("malformed");
    private RestSchemaRegistryClient registry;
    private AvroSerde<UsageEvent> serde;
    private byte[] valid;

    @BeforeEach
    void setUp(LedgerCluster cluster) {
        registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl());
        serde = AvroSerde.forValues(UsageEvent.class, registry);
        valid = serde.serializer().serialize(topic, SampleEvents.full(1));
    }

    @AfterEach
    void tearDown() {
        registry.close();
    }

    @Test
    void shouldNameAnEmptyPayloadAndAWrongMagicByte() {
        assertProblem(new byte[0], Problem.EMPTY);
        byte[] wrongMagic = valid.clone();
        wrongMagic[0] = 7;
        assertProblem(wrongMagic, Problem.WRONG_MAGIC_BYTE);
    }

    @Test
    void shouldNameAnUnknownSchemaId() {
        byte[] unknownId = valid.clone();
        unknownId[1] = 0x7f; // id 0x7f0000.., which the registry never handed out

        assertThatThrownBy(() -> serde.deserializer().deserialize(topic, unknownId))
                .isInstanceOfSatisfying(MalformedPayloadException.class, e -> {
                    assertThat(e.problem()).isEqualTo(Problem.UNKNOWN_SCHEMA_ID);
                    assertThat(e.schemaId()).isEqualTo(WireFormat.schemaId(unknownId));
                })
                .hasMessageContaining(Integer.toString(WireFormat.schemaId(unknownId)));
    }

    @Test
    void shouldNameAPayloadCutShort() {
        assertProblem(Arrays.copyOf(valid, 3), Problem.TRUNCATED);
        assertProblem(Arrays.copyOf(valid, valid.length / 2), Problem.TRUNCATED);
        assertProblem(Arrays.copyOf(valid, valid.length - 1), Problem.TRUNCATED);
    }

    @Test
    void shouldNameBytesLeftOver() {
        assertProblem(Arrays.copyOf(valid, valid.length + 3), Problem.TRAILING_BYTES);
    }

    @Test
    void shouldNameGarbageAfterAValidHeader() {
        // event_id's length is the zig-zag varint 0x01 = -1
        assertProblem(withBody(0x01, 0x41, 0x42), Problem.UNDECODABLE);
    }

    @Test
    void shouldRefuseAHugeDeclaredCollectionWithoutAllocatingIt() {
        // event_id "a", occurred_at 1, tenant_id "t", then team_ids claims 2^30 items in 5 bytes
        assertProblem(withBody(0x02, 'a', 0x02, 0x02, 't', 0x80, 0x80, 0x80, 0x80, 0x08), Problem.UNDECODABLE);
    }

    @Test
    void shouldNameDataWrittenWithAnIncompatibleSchema() {
        Schema tenantAsNumber = new Schema.Parser().parse("""
                {"type":"record","name":"UsageEvent","namespace":"dev.usageledger.schemas.avro","fields":[
                 {"name":"event_id","type":"string"},{"name":"tenant_id","type":"int"}]}""");
        int id = registry.register(LedgerCluster.uniqueName("other") + "-value", tenantAsNumber);
        byte[] payload = WireFormat.header(id, 3).put(new byte[] {0x02, 'x', 0x04}).array();

        assertProblem(payload, Problem.INCOMPATIBLE_SCHEMA);
    }

    private byte[] withBody(int... body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Arrays.copyOf(valid, WireFormat.HEADER_SIZE));
        for (int b : body) {
            out.write(b);
        }
        return out.toByteArray();
    }

    private void assertProblem(byte[] payload, Problem problem) {
        assertThatThrownBy(() -> serde.deserializer().deserialize(topic, payload))
                .isInstanceOfSatisfying(MalformedPayloadException.class, e -> assertThat(e.problem()).isEqualTo(problem))
                .hasMessageStartingWith(problem.code());
    }
}
