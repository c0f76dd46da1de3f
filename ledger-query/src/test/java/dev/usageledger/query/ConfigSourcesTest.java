package dev.usageledger.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.producer.LedgerProducerConfig;
import dev.usageledger.schemas.registry.RegistryClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSourcesTest {
    /** What the kubelet adds to every pod of a namespace that has a Service named ledger with port http 8080. */
    static final Map<String, String> SERVICE_LINKS = Map.of("LEDGER_SERVICE_HOST", "10.0.0.1", "LEDGER_SERVICE_PORT", "8080",
            "LEDGER_SERVICE_PORT_HTTP", "8080", "LEDGER_PORT", "tcp://10.0.0.1:8080", "LEDGER_PORT_8080_TCP", "tcp://10.0.0.1:8080",
            "LEDGER_PORT_8080_TCP_PROTO", "tcp", "LEDGER_PORT_8080_TCP_PORT", "8080", "LEDGER_PORT_8080_TCP_ADDR", "10.0.0.1");

    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();

    @Test
    void shouldLetFlagsBeatTheEnvironmentAndTheEnvironmentBeatTheFile() throws Exception {
        Path file = dir.resolve("ledger.properties");
        Files.writeString(file, """
                bootstrap.servers=file:9092
                ledger.http.port=1111
                ledger.application.id=from-file
                """);
        Map<String, String> environment = Map.of("LEDGER_HTTP_PORT", "2222", "LEDGER_BOOTSTRAP_SERVERS", "env:9092",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "PATH", "/bin", "LEDGER_JAVA_OPTS", "-Xmx1g");

        Map<String, Object> settings = ConfigSources.layered(file, environment, Map.of("ledger.http.port", "3333"), warnings::add);

        assertThat(settings).containsEntry("ledger.http.port", "3333")
                .containsEntry("bootstrap.servers", "env:9092")
                .containsEntry("ledger.application.id", "from-file")
                .containsEntry("streams.security.protocol", "SASL_SSL")
                .doesNotContainKey("path");
        assertThat(warnings).isEmpty();
    }

    @Test
    void shouldReadTheVariablesKubernetesAddsForAServiceNamedLedgerAsNoSettingsAndSaySo() {
        Map<String, String> environment = new HashMap<>(SERVICE_LINKS);
        environment.put("LEDGER_HTTP_PORT", "8080");

        Map<String, Object> settings = ConfigSources.layered(null, environment, Map.of(), warnings::add);

        assertThat(settings).containsOnly(Map.entry("ledger.http.port", "8080"));
        assertThat(warnings).hasSize(SERVICE_LINKS.size())
                .anySatisfy(w -> assertThat(w).startsWith("ignoring the environment variable LEDGER_PORT:"))
                .allSatisfy(w -> assertThat(w).doesNotContain("10.0.0.1"));
    }

    @Test
    void shouldIgnoreAMistypedVariableWithAWarningNamingIt() {
        Map<String, Object> settings = ConfigSources.layered(null, Map.of("LEDGER_HTTP_PROT", "1", "KAFKA_SERVICE_HOST", "10.0.0.2"),
                Map.of(), warnings::add);

        assertThat(settings).isEmpty();
        assertThat(warnings).hasSize(2).anySatisfy(w -> assertThat(w).contains("LEDGER_HTTP_PROT"))
                .anySatisfy(w -> assertThat(w).contains("KAFKA_SERVICE_HOST"));
    }

    @Test
    void shouldRefuseAnUnknownKeyInAFileOrAFlagNamingIt() throws Exception {
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "ledger.late.grace=86400000\n");

        assertThatThrownBy(() -> ConfigSources.layered(file, Map.of(), Map.of(), warnings::add))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[ledger.late.grace]");
        assertThatThrownBy(() -> ConfigSources.layered(null, Map.of(), Map.of("ledger.http.prot", "1"), warnings::add))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[ledger.http.prot]");
    }

    @Test
    void shouldGiveAKeyThatTwoDefinitionsShareOneDefault() {
        Map<String, List<ConfigDef.ConfigKey>> byName = new TreeMap<>();
        for (ConfigDef definition : List.of(ServiceConfig.configDef(), RegistryClientConfig.configDef(), LedgerProducerConfig.configDef())) {
            definition.configKeys().values().forEach(key -> byName.computeIfAbsent(key.name, n -> new ArrayList<>()).add(key));
        }
        Map<String, List<ConfigDef.ConfigKey>> shared = new TreeMap<>(byName);
        shared.values().removeIf(keys -> keys.size() < 2);

        assertThat(shared).containsKeys("bootstrap.servers", "ledger.usage.topic", "ledger.max.future.skew.ms", "schema.registry.url");
        shared.forEach((name, keys) -> assertThat(keys).as(name).extracting(key -> key.defaultValue).containsOnly(keys.getFirst().defaultValue));
    }

    @Test
    void shouldKnowTheKeysOfEveryCommandSoOneFileServesThemAll() {
        assertThat(ConfigSources.knownKeys()).contains("ledger.http.port", "ledger.late.grace.ms", "ledger.spool.dir",
                "basic.auth.user.info", "schema.registry.url", "bootstrap.servers");
    }
}
