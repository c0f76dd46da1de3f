package dev.usageledger.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class RestSchemaRegistryClientTest {

    @Test
    void shouldNameTheUrlAndTheCauseWhenNothingListensThere() throws IOException {
        String url = "http://127.0.0.1:" + closedPort();
        long started = System.nanoTime();
        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.create(Map.of(
                RegistryClientConfig.URL_CONFIG, url,
                RegistryClientConfig.MAX_RETRIES_CONFIG, 2,
                RegistryClientConfig.RETRY_BACKOFF_CONFIG, 50L))) {

            assertThatThrownBy(() -> client.schemaById(1))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.isRetriable()).isTrue();
                        assertThat(e.status()).isEqualTo(-1);
                        assertThat(e.url()).isEqualTo(url);
                    })
                    .hasMessageContaining(url)
                    .hasMessageContaining("ConnectException")
                    .hasMessageContaining("gave up after 3 attempts")
                    .hasMessageContaining("schema.registry.url");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .as("bounded by retries and back-off, not by a socket timeout").isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void shouldRefuseAUrlThatIsNotHttp() {
        assertThatThrownBy(() -> RestSchemaRegistryClient.forUrl("localhost:8081"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("localhost:8081")
                .hasMessageContaining("schema.registry.url");
        assertThatThrownBy(() -> RestSchemaRegistryClient.forUrl("http://bad host:8081"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad host");
    }

    @Test
    void shouldRequireAUrl() {
        assertThatThrownBy(() -> RestSchemaRegistryClient.create(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void shouldRefuseAMissingTrustStoreNamingIt() {
        assertThatThrownBy(() -> RestSchemaRegistryClient.create(Map.of(
                RegistryClientConfig.URL_CONFIG, "https://registry.example:8081",
                RegistryClientConfig.TRUSTSTORE_LOCATION_CONFIG, "no-such-truststore.p12")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no-such-truststore.p12")
                .hasMessageContaining(RegistryClientConfig.TRUSTSTORE_LOCATION_CONFIG);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
