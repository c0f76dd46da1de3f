package dev.usageledger.query.it;

import static dev.usageledger.query.it.ServiceFixture.ACME_TOKEN;
import static dev.usageledger.query.it.ServiceFixture.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import dev.usageledger.query.webhooks.Signatures;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Breach webhooks against a real broker and a local receiver that fails each breach's first
 * attempts and is down for a while, with the ledger restarted while deliveries are being retried:
 * every breach arrives, signed, in order, and none twice once the receiver answered 2xx.
 */
@ExtendWith(LedgerClusterExtension.class)
class WebhooksIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString("a-webhook-secret-of-32-bytes-ok!".getBytes(StandardCharsets.UTF_8));

    /** A receiver: answers 500 to the first {@code failFirst} attempts of each breach, 503 while down, 204 otherwise; keeps what it accepted. */
    private static final class Receiver implements AutoCloseable {
        final List<JsonNode> accepted = Collections.synchronizedList(new ArrayList<>());
        final List<String> acceptedIds = Collections.synchronizedList(new ArrayList<>());
        final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        final List<String> badSignatures = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean down = new AtomicBoolean();
        private final HttpServer server;
        private final int failFirst;

        Receiver(int failFirst) throws IOException {
            this.failFirst = failFirst;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/hook", this::handle);
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        private void handle(HttpExchange exchange) throws IOException {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            String timestamp = exchange.getRequestHeaders().getFirst("webhook-timestamp");
            String signature = exchange.getRequestHeaders().getFirst("webhook-signature");
            if (!Signatures.sign(SECRET, id, Long.parseLong(timestamp), body).equals(signature)) {
                badSignatures.add(id);
            }
            int attempt = attempts.computeIfAbsent(id, i -> new AtomicInteger()).incrementAndGet();
            int status = down.get() ? 503 : attempt <= failFirst ? 500 : 204;
            if (status == 204) {
                accepted.add(JSON.readTree(body));
                acceptedIds.add(id);
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void shouldDeliverEveryBreachOnceInOrderSignedThroughFailuresAnOutageAndARestart(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("webhooks");
        ServiceFixture.createTopics(cluster, prefix, 2);
        Map<String, Object> config = ServiceFixture.config(cluster, prefix, prefix + "-app", Files.createTempDirectory("ledger-webhooks-it"));
        config.put(ServiceConfig.WEBHOOKS_ALLOW_PRIVATE_CONFIG, true);
        config.put(ServiceConfig.WEBHOOKS_RETRY_INITIAL_MS_CONFIG, 200L);
        config.put(ServiceConfig.WEBHOOKS_RETRY_MAX_MS_CONFIG, 1_000L);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (Receiver receiver = new Receiver(2); Receiver steady = new Receiver(0)) {
            LedgerService service = ServiceFixture.startAndAwaitRunning(config, Clock.systemUTC());
            try {
                Api api = new Api(service.apiUri());
                // Given a user budget of 1,000 a day with three thresholds, and a webhook for its breaches
                assertThat(api.put("/v1/policies/acme-user-day", ADMIN_TOKEN, """
                        {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros", "limit": 1000,
                         "period": {"kind": "day", "time_zone": "UTC"}, "thresholds": [50, 80, 100], "enforce": true}""").status())
                        .isEqualTo(200);
                Api.Response put = api.put("/v1/tenants/acme/webhooks/alerts", ACME_TOKEN,
                        "{\"url\": \"" + receiver.url() + "\", \"secret\": \"" + SECRET + "\"}");
                assertThat(put.status()).as(put.body()).isEqualTo(200);
                assertThat(put.json().get("secret_set").asBoolean()).isTrue();
                assertThat(put.body()).doesNotContain(SECRET);
                assertThat(api.put("/v1/tenants/acme/webhooks/steady", ACME_TOKEN,
                        "{\"url\": \"" + steady.url() + "\", \"secret\": \"" + SECRET + "\"}").status()).isEqualTo(200);

                // When three users each cross the three thresholds (nine breaches) and the receiver fails each first twice
                List<UsageEvent> events = new ArrayList<>();
                for (int u = 0; u < 3; u++) {
                    for (long cost : new long[] {600, 300, 200}) {
                        events.add(event("e-" + u + "-" + cost, "hook-u" + u, now, cost));
                    }
                }
                ServiceFixture.publish(cluster, prefix + ".usage", events);
                Await.until(() -> receiver.acceptedIds.size() >= 2, Duration.ofSeconds(60), "the first breaches to be delivered");
                // (a second webhook whose receiver answers at once is not held back by the first one's retries)
                Await.until(() -> steady.acceptedIds.size() == 9, Duration.ofSeconds(30), "the steady webhook to have every breach");
                assertThat(receiver.acceptedIds.size()).as("the failing receiver is still behind").isLessThan(9);
                // and is down for a while, during which the ledger restarts
                receiver.down.set(true);
                Thread.sleep(1_500);
                service.close();
                service = ServiceFixture.startAndAwaitRunning(config, Clock.systemUTC());
                Thread.sleep(1_000);
                receiver.down.set(false);
                api = new Api(service.apiUri());

                // Then every breach arrives, once, in the order of the breaches topic (each user's 50, 80, 100 in turn)
                Await.until(() -> receiver.acceptedIds.size() >= 9, Duration.ofSeconds(90), "all nine breaches to be delivered");
                Thread.sleep(1_000); // nothing more may come
                assertThat(receiver.acceptedIds).hasSize(9).doesNotHaveDuplicates();
                assertThat(steady.acceptedIds).hasSize(9).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(receiver.acceptedIds);
                assertThat(receiver.badSignatures).isEmpty();
                List<String> order = receiver.accepted.stream()
                        .map(b -> b.get("data").get("subject").get("id").asText() + "@" + b.get("data").get("threshold").asInt()).toList();
                for (int u = 0; u < 3; u++) {
                    assertThat(order.indexOf("hook-u" + u + "@50")).isLessThan(order.indexOf("hook-u" + u + "@80"));
                    assertThat(order.indexOf("hook-u" + u + "@80")).isLessThan(order.indexOf("hook-u" + u + "@100"));
                }
                assertThat(receiver.accepted.getFirst().get("type").asText()).isEqualTo("budget.breach");
                assertThat(receiver.accepted.getFirst().get("data").get("breach_id").asText()).isEqualTo(receiver.acceptedIds.getFirst());

                // and the deliveries say what happened: attempts that failed, then a 2xx
                JsonNode deliveries = api.get("/v1/tenants/acme/webhooks/alerts/deliveries", ACME_TOKEN).json().get("deliveries");
                assertThat(deliveries).hasSize(9);
                for (JsonNode delivery : deliveries) {
                    assertThat(delivery.get("status").asText()).isEqualTo("delivered");
                    JsonNode attempts = delivery.get("attempts");
                    assertThat(attempts.size()).isGreaterThanOrEqualTo(3);
                    for (int a = 0; a < attempts.size() - 1; a++) { // 500, or 503 while the receiver was down
                        assertThat(attempts.get(a).get("status_code").asInt()).isIn(500, 503);
                    }
                    assertThat(attempts.get(attempts.size() - 1).get("status_code").asInt()).isEqualTo(204);
                }
                assertThat(api.get("/v1/tenants/acme/webhooks/alerts", ServiceFixture.GLOBEX_TOKEN).status()).isEqualTo(403);
            } finally {
                service.close();
            }
        }
    }

    @Test
    void shouldRefuseAWebhookWithoutAUsableUrlOrSecret(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("webhooks-refused");
        ServiceFixture.createTopics(cluster, prefix, 1);
        Map<String, Object> config = ServiceFixture.config(cluster, prefix, prefix + "-app", Files.createTempDirectory("ledger-webhooks-it"));
        try (LedgerService service = ServiceFixture.startAndAwaitRunning(config, Clock.systemUTC())) {
            Api api = new Api(service.apiUri());
            Api.Response loopback = api.put("/v1/tenants/acme/webhooks/x", ACME_TOKEN,
                    "{\"url\": \"http://127.0.0.1:9/hook\", \"secret\": \"" + SECRET + "\"}");
            assertThat(loopback.status()).isEqualTo(400);
            assertThat(loopback.json().get("error").get("field").asText()).isEqualTo("url");
            assertThat(loopback.json().get("error").get("message").asText()).contains("ledger.webhooks.allow.private.targets");
            Api.Response scheme = api.put("/v1/tenants/acme/webhooks/x", ACME_TOKEN, "{\"url\": \"file:///etc/passwd\", \"secret\": \"" + SECRET + "\"}");
            assertThat(scheme.json().get("error").get("field").asText()).isEqualTo("url");
            Api.Response secret = api.put("/v1/tenants/acme/webhooks/x", ACME_TOKEN, "{\"url\": \"https://203.0.113.10/hook\", \"secret\": \"hunter2\"}");
            assertThat(secret.status()).isEqualTo(400);
            assertThat(secret.json().get("error").get("field").asText()).isEqualTo("secret");
            assertThat(api.get("/v1/tenants/acme/webhooks/x", ACME_TOKEN).status()).isEqualTo(404);
        }
    }

    private static UsageEvent event(String id, String user, Instant at, long cost) {
        return UsageEvent.newBuilder().setEventId(id).setTenantId("acme").setOccurredAt(at).setUserId(user).setProvider("openai")
                .setModel("gpt-4.1-mini").setCostMicros(cost).setInputTokens(10).setOutputTokens(5).setRequests(1)
                .setStatus(UsageStatus.ok).build();
    }
}
