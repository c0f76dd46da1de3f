package dev.usageledger.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The client against the embedded registry, through the whole API surface it offers. */
@ExtendWith(LedgerClusterExtension.class)
class RestSchemaRegistryClientIT {
    private static final Schema V1 = new Schema.Parser().parse("""
            {"type":"record","name":"Price","namespace":"test","fields":[{"name":"model","type":"string"}]}""");
    private static final Schema V2 = new Schema.Parser().parse("""
            {"type":"record","name":"Price","namespace":"test","fields":[{"name":"model","type":"string"},
             {"name":"micros","type":"long","default":0}]}""");

    @Test
    void shouldRegisterLookUpAndListVersions(LedgerCluster cluster) {
        String subject = LedgerCluster.uniqueName("prices") + "-value";
        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.forUrl(cluster.registryUrl())) {
            int v1 = client.register(subject, V1);
            int v2 = client.register(subject, V2);

            assertThat(client.register(subject, V1)).as("registering again is idempotent").isEqualTo(v1);
            assertThat(client.lookup(subject, V1)).isEqualTo(new RegisteredSchema(subject, 1, v1, V1));
            assertThat(client.latest(subject)).isEqualTo(new RegisteredSchema(subject, 2, v2, V2));
            assertThat(client.version(subject, 1).schema()).isEqualTo(V1);
            assertThat(client.versions(subject)).containsExactly(1, 2);
            assertThat(client.subjects()).contains(subject);
            assertThat(client.schemaById(v2)).isEqualTo(V2);
        }
    }

    @Test
    void shouldReadAndSetCompatibilityLevels(LedgerCluster cluster) {
        String subject = LedgerCluster.uniqueName("levels") + "-value";
        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.forUrl(cluster.registryUrl())) {
            client.register(subject, V1);

            assertThat(client.globalCompatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
            assertThat(client.compatibility(subject)).as("falls back to global").isEqualTo(CompatibilityLevel.BACKWARD);
            client.setCompatibility(subject, CompatibilityLevel.FULL_TRANSITIVE);
            assertThat(client.compatibility(subject)).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
            assertThat(client.testCompatibility(subject, V2)).isEqualTo(new CompatibilityResult(true, java.util.List.of()));
        }
    }

    @Test
    void shouldRaiseNotFoundWithConfluentErrorCodes(LedgerCluster cluster) {
        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.forUrl(cluster.registryUrl())) {
            assertThatThrownBy(() -> client.latest("no-such-subject-value"))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
                        assertThat(e.isNotFound()).isTrue();
                        assertThat(e.isRetriable()).isFalse();
                    });
            assertThatThrownBy(() -> client.schemaById(Integer.MAX_VALUE))
                    .isInstanceOfSatisfying(SchemaRegistryException.class,
                            e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
        }
    }
}
