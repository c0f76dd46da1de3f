package dev.usageledger.infra.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompatibilityTest {
    private static final Schema V1 = schema("[{\"name\":\"id\",\"type\":\"string\"}]");
    private static final Schema ADDS_OPTIONAL = schema(
            "[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"m\",\"type\":[\"null\",\"string\"],\"default\":null}]");
    private static final Schema ADDS_REQUIRED = schema("[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"n\",\"type\":\"long\"}]");
    private static final Schema DROPS_ID = schema("[]");

    @Test
    void shouldAcceptAnAddedFieldWithDefaultUnderEveryLevel() {
        for (Compatibility level : Compatibility.values()) {
            assertThat(level.problems(ADDS_OPTIONAL, List.of(V1))).as(level.name()).isEmpty();
        }
    }

    @Test
    void shouldRefuseAnAddedRequiredFieldBackwardButNotForward() {
        assertThat(Compatibility.BACKWARD.problems(ADDS_REQUIRED, List.of(V1))).singleElement().asString()
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("n");
        assertThat(Compatibility.FORWARD.problems(ADDS_REQUIRED, List.of(V1))).isEmpty();
        assertThat(Compatibility.FULL.problems(ADDS_REQUIRED, List.of(V1))).hasSize(1);
        assertThat(Compatibility.NONE.problems(ADDS_REQUIRED, List.of(V1))).isEmpty();
    }

    @Test
    void shouldRefuseADroppedRequiredFieldForwardButNotBackward() {
        assertThat(Compatibility.BACKWARD.problems(DROPS_ID, List.of(V1))).isEmpty();
        assertThat(Compatibility.FORWARD.problems(DROPS_ID, List.of(V1))).hasSize(1);
    }

    @Test
    void shouldCheckOnlyTheLatestUnlessTransitive() {
        // newest first: ADDS_OPTIONAL is the latest version, ADDS_REQUIRED the one before it
        List<Schema> history = List.of(ADDS_OPTIONAL, ADDS_REQUIRED);
        Schema candidate = schema("[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"n\",\"type\":\"long\"},"
                + "{\"name\":\"m\",\"type\":[\"null\",\"string\"],\"default\":null}]");
        assertThat(Compatibility.BACKWARD.problems(candidate, history)).as("the latest lacks n").hasSize(1);
        assertThat(Compatibility.BACKWARD_TRANSITIVE.problems(V1, history)).isEmpty();
        assertThat(Compatibility.FORWARD_TRANSITIVE.problems(V1, history)).hasSize(1);
    }

    @Test
    void shouldParseLevelsIgnoringCaseAndRejectUnknownOnes() {
        assertThat(Compatibility.parse("full_transitive")).isEqualTo(Compatibility.FULL_TRANSITIVE);
        assertThatThrownBy(() -> Compatibility.parse("SIDEWAYS")).isInstanceOf(RegistryError.class)
                .hasMessageContaining("SIDEWAYS");
    }

    private static Schema schema(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":" + fields + "}");
    }
}
