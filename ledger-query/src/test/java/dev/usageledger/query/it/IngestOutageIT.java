package dev.usageledger.query.it;

import static dev.usageledger.query.it.ServiceFixture.ACME_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.usageledger.infra.embedded.registry.EmbeddedSchemaRegistry;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.TestKafka;
import dev.usageledger.infra.embedded.testkit.TestKafkas;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/events} while the broker is away: the answer is 503 (nothing is called accepted
 * that Kafka has not acknowledged), and the batch sent again when it is back is counted once,
 * whether or not the first attempt's records reached the log after the answer. A cluster of its
 * own, since the test stops its broker.
 */
class IngestOutageIT {

    @Test
    void shouldAnswer503WhileKafkaIsAwayAndCountABatchSentAgainOnce() throws Exception {
        try (TestKafka kafka = TestKafkas.inJvm(1); EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(kafka.bootstrapServers())) {
            ServiceFixture.createTopics(kafka.bootstrapServers(), "outage", 1);
            Map<String, Object> config = ServiceFixture.config(kafka.bootstrapServers(), registry.url(), "outage", "outage-app",
                    Files.createTempDirectory("ledger-ingest-outage"));
            config.put(ServiceConfig.BOOK_WAIT_MS_CONFIG, 2_000L);
            config.put(ServiceConfig.READ_WAIT_MS_CONFIG, 20_000L);
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            try (LedgerService service = ServiceFixture.startAndAwaitRunning(config, Clock.systemUTC())) {
                Api api = new Api(service.apiUri());
                // Given a ledger that took a first batch
                assertThat(api.post("/v1/events", ACME_TOKEN, batch(now, "before", 1_000)).status()).isEqualTo(200);

                // When the broker stops, a batch gets 503 naming its ids
                kafka.stopBroker(0);
                String during = batch(now, "during", 20);
                Api.Response refused;
                try {
                    refused = api.post("/v1/events", ACME_TOKEN, during);
                } finally {
                    kafka.startBroker(0);
                }
                assertThat(refused.status()).as(refused.body()).isEqualTo(503);
                assertThat(refused.json().get("error").get("code").asText()).isEqualTo("unavailable");
                assertThat(refused.json().get("event_ids").toString()).isEqualTo("[\"during-0\",\"during-1\",\"during-2\"]");
                assertThat(refused.json().get("retry_after_ms").asLong()).isPositive();

                // and sent again once the broker is back, it is accepted
                AtomicReference<JsonNode> accepted = new AtomicReference<>();
                Await.until(() -> {
                    Api.Response retried = api.post("/v1/events", ACME_TOKEN, during);
                    if (retried.status() == 200) {
                        accepted.set(retried.json());
                    }
                    return retried.status() == 200;
                }, Duration.ofSeconds(90), "the batch to be accepted after the broker is back");

                // Then every event is counted once: the first attempt's records, delivered late, are duplicates
                long offset = accepted.get().get("results").get(2).get("offset").asLong();
                Await.until(() -> cost(api, offset) == 3 * 1_000 + 3 * 20, Duration.ofSeconds(60), "both batches, once, in the reports");
                JsonNode again = api.post("/v1/events", ACME_TOKEN, batch(now, "after", 300)).json();
                long last = again.get("results").get(2).get("offset").asLong();
                assertThat(cost(api, last)).isEqualTo(3 * 1_000 + 3 * 20 + 3 * 300);
            }
        }
    }

    private static long cost(Api api, long minOffset) {
        Api.Response usage = api.get("/v1/tenants/acme/usage?scope=user:outage-u&period=day&min_offset=" + minOffset, ACME_TOKEN);
        return usage.status() == 200 ? usage.json().get("cost_micros").asLong() : -1;
    }

    private static String batch(Instant at, String prefix, long cost) {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            events.add("{\"event_id\": \"" + prefix + "-" + i + "\", \"user_id\": \"outage-u\", \"occurred_at\": \"" + at
                    + "\", \"provider\": \"openai\", \"model\": \"gpt-4.1-mini\", \"cost_micros\": " + cost + "}");
        }
        return "[" + String.join(",", events) + "]";
    }
}
