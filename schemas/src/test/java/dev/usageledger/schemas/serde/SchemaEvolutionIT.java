package dev.usageledger.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.CompatibilityResult;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LedgerClusterExtension.class)
class SchemaEvolutionIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldReadDataWrittenWithTheOlderSchemaIntoTheNewerClass(LedgerCluster cluster) throws Exception {
        String topic = LedgerCluster.uniqueName("usage-evolution");
        UsageEventRoundTripIT.createTopic(cluster, topic);
        Schema v1 = withoutFields(RegistrySchemas.portable(UsageEvent.getClassSchema()), "hold_id", "attributes", "billing_scope");
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl())) {
            // Given a producer still on v1, which had neither hold_id, attributes nor billing_scope
            int v1Id = registry.register(topic + "-value", v1);
            GenericRecord old = new GenericData.Record(v1);
            old.put("event_id", "evt-v1");
            old.put("occurred_at", Instant.parse("2026-11-01T00:00:00Z").toEpochMilli());
            old.put("tenant_id", "acme");
            old.put("team_ids", List.of("acme-platform"));
            old.put("input_tokens", 1000L);
            old.put("output_tokens", 250L);
            old.put("cached_input_tokens", 0L);
            old.put("reasoning_tokens", 0L);
            old.put("requests", 1L);
            old.put("cost_micros", 1234L);
            old.put("status", new GenericData.EnumSymbol(v1.getField("status").schema(), "ok"));
            byte[] v1Bytes = frame(v1Id, v1, old);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()),
                    new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(topic, "acme", v1Bytes)).get();
            }

            // When the v2 class reads it from the topic (and v2 gets registered next to it)
            byte[] onTheWire = UsageEventRoundTripIT.consume(cluster, topic, 1).getFirst().value();
            UsageEvent read = new AvroDeserializer<>(UsageEvent.class, registry).deserialize(topic, onTheWire);
            int v2Id = registry.register(topic + "-value", RegistrySchemas.portable(UsageEvent.getClassSchema()));

            // Then the old fields carry over and the new ones take their defaults
            assertThat(read.getEventId()).isEqualTo("evt-v1");
            assertThat(read.getOccurredAt()).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
            assertThat(read.getCostMicros()).isEqualTo(1234L);
            assertThat(read.getInputTokens()).isEqualTo(1000L);
            assertThat(read.getHoldId()).isNull();
            assertThat(read.getAttributes()).isEmpty();
            assertThat(read.getBillingScope()).isEqualTo(BillingScope.tenant);
            assertThat(v2Id).isNotEqualTo(v1Id);
            assertThat(registry.versions(topic + "-value")).containsExactly(1, 2);
        }
    }

    @Test
    void shouldRefuseAnIncompatibleChangeWith409(LedgerCluster cluster) throws Exception {
        String subject = LedgerCluster.uniqueName("usage-incompatible") + "-value";
        Schema current = RegistrySchemas.portable(UsageEvent.getClassSchema());
        Schema requiredRegion = withField(current, "region", "string");
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl())) {
            registry.register(subject, current);

            CompatibilityResult verdict = registry.testCompatibility(subject, requiredRegion);
            assertThat(verdict.compatible()).isFalse();
            assertThat(verdict.messages()).anySatisfy(m -> assertThat(m).contains("region"));
            assertThatThrownBy(() -> registry.register(subject, requiredRegion))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(e.isIncompatible()).isTrue();
                        assertThat(e.isRetriable()).isFalse();
                    })
                    .hasMessageContaining("incompatible");
            assertThat(registry.versions(subject)).containsExactly(1);
        }
    }

    private static byte[] frame(int id, Schema schema, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(WireFormat.header(id, 0).array());
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static Schema withoutFields(Schema schema, String... names) throws Exception {
        ObjectNode tree = (ObjectNode) JSON.readTree(schema.toString());
        ArrayNode fields = (ArrayNode) tree.get("fields");
        for (int i = fields.size() - 1; i >= 0; i--) {
            if (List.of(names).contains(fields.get(i).get("name").asText())) {
                fields.remove(i);
            }
        }
        return new Schema.Parser().parse(tree.toString());
    }

    private static Schema withField(Schema schema, String name, String type) throws Exception {
        ObjectNode tree = (ObjectNode) JSON.readTree(schema.toString());
        ((ArrayNode) tree.get("fields")).addObject().put("name", name).put("type", type);
        return new Schema.Parser().parse(tree.toString());
    }
}
