package dev.usageledger.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
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

    @Test
    void shouldSendBasicCredentialsAndTheRegistryMediaTypeAndRetryOnlyServerErrors() throws IOException {
        // A stand-in registry that records what it was sent: it answers 503 once, then an id.
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " auth=" + exchange.getRequestHeaders()
                    .getFirst("Authorization") + " type=" + exchange.getRequestHeaders().getFirst("Content-Type"));
            boolean first = calls.getAndIncrement() == 0;
            byte[] body = (first ? "{\"error_code\":50001,\"message\":\"store busy\"}" : "{\"id\":42}").getBytes();
            exchange.sendResponseHeaders(first ? 503 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try (RestSchemaRegistryClient client = RestSchemaRegistryClient.create(Map.of(
                RegistryClientConfig.URL_CONFIG, "http://127.0.0.1:" + server.getAddress().getPort(),
                RegistryClientConfig.BASIC_AUTH_SOURCE_CONFIG, "USER_INFO",
                RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG, "ledger:s3cret",
                RegistryClientConfig.RETRY_BACKOFF_CONFIG, 10L))) {

            int id = client.register("usage value", org.apache.avro.Schema.create(org.apache.avro.Schema.Type.STRING));

            assertThat(id).isEqualTo(42);
            String expectedAuth = "Basic " + Base64.getEncoder().encodeToString("ledger:s3cret".getBytes());
            assertThat(seen).hasSize(2).allSatisfy(line -> assertThat(line)
                    .startsWith("POST /subjects/usage%20value/versions")
                    .contains("auth=" + expectedAuth)
                    .contains("type=application/vnd.schemaregistry.v1+json"));
        } finally {
            server.stop(0);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
