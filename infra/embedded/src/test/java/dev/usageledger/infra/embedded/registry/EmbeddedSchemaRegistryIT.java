package dev.usageledger.infra.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.infra.embedded.registry.RegistryCalls.Answer;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LedgerClusterExtension.class)
class EmbeddedSchemaRegistryIT {
    private static final String V1 = """
            {"type":"record","name":"Call","namespace":"test","fields":[{"name":"id","type":"string"}]}""";
    private static final String V2_OPTIONAL_FIELD = """
            {"type":"record","name":"Call","namespace":"test","fields":[{"name":"id","type":"string"},
             {"name":"model","type":["null","string"],"default":null}]}""";
    private static final String V2_REQUIRED_FIELD = """
            {"type":"record","name":"Call","namespace":"test","fields":[{"name":"id","type":"string"},
             {"name":"tokens","type":"long"}]}""";
    private static final String OTHER = """
            {"type":"record","name":"Other","namespace":"test","fields":[{"name":"n","type":"int"}]}""";

    @Test
    void shouldGiveTheSameIdsAfterARestartOnTheSameTopic(LedgerCluster cluster) {
        String topic = LedgerCluster.uniqueName("_schemas");
        int v1;
        int v2;
        try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(cluster.bootstrapServers(), "127.0.0.1", 0, topic)) {
            RegistryCalls calls = new RegistryCalls(registry.url());
            v1 = calls.register("calls-value", V1).body().path("id").asInt();
            v2 = calls.register("calls-value", V2_OPTIONAL_FIELD).body().path("id").asInt();
            assertThat(v2).isNotEqualTo(v1);
        }

        try (EmbeddedSchemaRegistry restarted = EmbeddedSchemaRegistry.start(cluster.bootstrapServers(), "127.0.0.1", 0, topic)) {
            RegistryCalls calls = new RegistryCalls(restarted.url());
            assertThat(calls.register("calls-value", V1).body().path("id").asInt()).isEqualTo(v1);
            assertThat(calls.get("/schemas/ids/" + v2).body().path("schema").asText()).contains("model");
            assertThat(calls.get("/subjects/calls-value/versions").body().toString()).isEqualTo("[1,2]");
            int fresh = calls.register("others-value", OTHER).body().path("id").asInt();
            assertThat(fresh).isGreaterThan(Math.max(v1, v2));
        }
    }

    @Test
    void shouldRefuseAnIncompatibleChangeWith409AndAcceptACompatibleOne(LedgerCluster cluster) {
        try (EmbeddedSchemaRegistry registry = startOnOwnTopic(cluster)) {
            RegistryCalls calls = new RegistryCalls(registry.url());
            calls.register("calls-value", V1);

            Answer refused = calls.register("calls-value", V2_REQUIRED_FIELD);
            Answer accepted = calls.register("calls-value", V2_OPTIONAL_FIELD);

            assertThat(refused.status()).isEqualTo(409);
            assertThat(refused.errorCode()).isEqualTo(409);
            assertThat(refused.body().path("message").asText()).contains("tokens");
            assertThat(accepted.status()).isEqualTo(200);
            assertThat(calls.get("/subjects/calls-value/versions/latest").body().path("version").asInt()).isEqualTo(2);
        }
    }

    @Test
    void shouldShareOneIdForTheSameSchemaAcrossSubjects(LedgerCluster cluster) {
        try (EmbeddedSchemaRegistry registry = startOnOwnTopic(cluster)) {
            RegistryCalls calls = new RegistryCalls(registry.url());
            int first = calls.register("a-value", V1).body().path("id").asInt();
            int again = calls.register("a-value", V1.replace(",", " , ")).body().path("id").asInt();
            int otherSubject = calls.register("b-value", V1).body().path("id").asInt();

            assertThat(again).isEqualTo(first);
            assertThat(otherSubject).isEqualTo(first);
            assertThat(calls.get("/schemas/ids/" + first + "/subjects").body().toString()).isEqualTo("[\"a-value\",\"b-value\"]");
            Answer lookup = calls.post("/subjects/b-value", RegistryCalls.schemaBody(V1));
            assertThat(lookup.body().path("version").asInt()).isEqualTo(1);
            assertThat(lookup.body().path("id").asInt()).isEqualTo(first);
        }
    }

    @Test
    void shouldAnswerConfluentErrorCodes(LedgerCluster cluster) {
        try (EmbeddedSchemaRegistry registry = startOnOwnTopic(cluster)) {
            RegistryCalls calls = new RegistryCalls(registry.url());
            calls.register("known-value", V1);

            assertThat(calls.get("/subjects/missing-value/versions/latest")).extracting(Answer::status, Answer::errorCode)
                    .containsExactly(404, 40401);
            assertThat(calls.get("/subjects/known-value/versions/7")).extracting(Answer::status, Answer::errorCode)
                    .containsExactly(404, 40402);
            assertThat(calls.get("/schemas/ids/987654")).extracting(Answer::status, Answer::errorCode)
                    .containsExactly(404, 40403);
            assertThat(calls.post("/subjects/known-value", RegistryCalls.schemaBody(OTHER)))
                    .extracting(Answer::status, Answer::errorCode).containsExactly(404, 40403);
            assertThat(calls.register("known-value", "{\"type\":\"record\",\"name\":")).extracting(Answer::status, Answer::errorCode)
                    .containsExactly(422, 42201);
            assertThat(calls.get("/subjects/known-value/versions/zero")).extracting(Answer::status, Answer::errorCode)
                    .containsExactly(422, 42202);
            assertThat(calls.put("/config/known-value", "{\"compatibility\":\"SIDEWAYS\"}"))
                    .extracting(Answer::status, Answer::errorCode).containsExactly(422, 42203);
            assertThat(calls.get("/config/known-value")).extracting(Answer::status, Answer::errorCode)
                    .containsExactly(404, 40408);
        }
    }

    @Test
    void shouldApplyPerSubjectCompatibilityAndTestCandidates(LedgerCluster cluster) {
        try (EmbeddedSchemaRegistry registry = startOnOwnTopic(cluster)) {
            RegistryCalls calls = new RegistryCalls(registry.url());
            calls.register("loose-value", V1);

            Answer before = calls.post("/compatibility/subjects/loose-value/versions/latest?verbose=true",
                    RegistryCalls.schemaBody(V2_REQUIRED_FIELD));
            calls.put("/config/loose-value", "{\"compatibility\":\"NONE\"}");
            Answer after = calls.post("/compatibility/subjects/loose-value/versions/latest",
                    RegistryCalls.schemaBody(V2_REQUIRED_FIELD));

            assertThat(before.body().path("is_compatible").asBoolean()).isFalse();
            assertThat(before.body().path("messages").toString()).contains("READER_FIELD_MISSING_DEFAULT_VALUE");
            assertThat(after.body().path("is_compatible").asBoolean()).isTrue();
            assertThat(calls.get("/config/loose-value").body().path("compatibilityLevel").asText()).isEqualTo("NONE");
            assertThat(calls.get("/config").body().path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
            assertThat(calls.register("loose-value", V2_REQUIRED_FIELD).status()).isEqualTo(200);
        }
    }

    @Test
    void shouldSoftDeleteBeforeDeletingPermanently(LedgerCluster cluster) {
        try (EmbeddedSchemaRegistry registry = startOnOwnTopic(cluster)) {
            RegistryCalls calls = new RegistryCalls(registry.url());
            int id = calls.register("gone-value", V1).body().path("id").asInt();

            assertThat(calls.delete("/subjects/gone-value?permanent=true").errorCode()).isEqualTo(40405);
            assertThat(calls.delete("/subjects/gone-value").body().toString()).isEqualTo("[1]");
            assertThat(calls.get("/subjects").body().toString()).doesNotContain("gone-value");
            assertThat(calls.get("/subjects/gone-value/versions/1?deleted=true").status()).isEqualTo(200);
            assertThat(calls.delete("/subjects/gone-value?permanent=true").body().toString()).isEqualTo("[1]");
            assertThat(calls.get("/subjects/gone-value/versions?deleted=true").errorCode()).isEqualTo(40401);
            assertThat(calls.get("/schemas/ids/" + id).status())
                    .as("ids stay resolvable: data written with them still exists").isEqualTo(200);
        }
    }

    private static EmbeddedSchemaRegistry startOnOwnTopic(LedgerCluster cluster) {
        return EmbeddedSchemaRegistry.start(cluster.bootstrapServers(), "127.0.0.1", 0, LedgerCluster.uniqueName("_schemas"));
    }
}
