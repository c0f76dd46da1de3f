package dev.usageledger.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class EnvironmentMappingTest {
    /**
     * The variables the kubelet adds for the Services of infra/k8s (ledger, ledger-headless) and for
     * a Service named kafka: NAME_SERVICE_HOST, NAME_SERVICE_PORT[_PORTNAME], NAME_PORT[_N_PROTO[_FIELD]].
     */
    private static final Pattern SERVICE_LINK = Pattern.compile(
            "(LEDGER|LEDGER_HEADLESS|KAFKA)_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT|PORT_\\d+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)");

    private final EnvironmentMapping mapping = ConfigSources.environment();

    @Test
    void shouldGiveEveryKeyItsOwnVariable() {
        assertThat(mapping.variables()).containsEntry("LEDGER_HTTP_PORT", "ledger.http.port")
                .containsEntry("LEDGER_BOOTSTRAP_SERVERS", "bootstrap.servers")
                .containsEntry("LEDGER_SCHEMA_REGISTRY_URL", "schema.registry.url")
                .containsEntry("LEDGER_HOLD_REQUESTS_TOPIC", "ledger.hold.requests.topic")
                .containsEntry("LEDGER_BASIC_AUTH_USER_INFO", "basic.auth.user.info")
                .containsEntry("KAFKA_SECURITY_PROTOCOL", "streams.security.protocol")
                .containsEntry("KAFKA_SASL_JAAS_CONFIG", "streams.sasl.jaas.config")
                .containsEntry("KAFKA_PRODUCER_LINGER_MS", "streams.producer.linger.ms");
        assertThat(mapping.variables().values()).containsAll(ConfigSources.knownKeys());
    }

    @Test
    void shouldReadNoVariableThatKubernetesSetsForTheLedgersServicesOrAKafkaService() {
        assertThat(mapping.variables().keySet().stream().filter(name -> SERVICE_LINK.matcher(name).matches())).isEmpty();
        assertThat(mapping.settings(ConfigSourcesTest.SERVICE_LINKS)).isEmpty();
        assertThat(mapping.ignored(ConfigSourcesTest.SERVICE_LINKS)).hasSize(ConfigSourcesTest.SERVICE_LINKS.size());
    }

    @Test
    void shouldLeaveOtherVariablesAloneAndNotWarnOfTheToolsOwn() {
        Map<String, String> environment = Map.of("HOME", "/home/ledger", "LEDGER_JAVA_OPTS", "-Xmx1g", "LEDGER_TOKEN", "t",
                "KAFKA_HEAP_OPTS", "-Xmx1g");

        assertThat(mapping.settings(environment)).isEmpty();
        assertThat(mapping.ignored(environment)).containsExactly("KAFKA_HEAP_OPTS");
    }

    @Test
    void shouldRefuseTwoKeysThatOneVariableWouldSet() {
        assertThatThrownBy(() -> EnvironmentMapping.of(List.of("ledger.http.port", "http.port")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("LEDGER_HTTP_PORT");
    }
}
