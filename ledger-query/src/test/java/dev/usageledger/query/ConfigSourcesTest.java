package dev.usageledger.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSourcesTest {
    @TempDir
    Path dir;

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

        Map<String, Object> settings = ConfigSources.layered(file, environment, Map.of("ledger.http.port", "3333"));

        assertThat(settings).containsEntry("ledger.http.port", "3333")
                .containsEntry("bootstrap.servers", "env:9092")
                .containsEntry("ledger.application.id", "from-file")
                .containsEntry("streams.security.protocol", "SASL_SSL")
                .doesNotContainKey("path");
    }

    @Test
    void shouldRefuseAnUnknownSettingNamingIt() {
        assertThatThrownBy(() -> ConfigSources.layered(null, Map.of("LEDGER_HTTP_PROT", "1"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ledger.http.prot");
    }
}
