package dev.usageledger.query.it;

import static dev.usageledger.query.it.ServiceFixture.ACME_TOKEN;
import static dev.usageledger.query.it.ServiceFixture.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.query.LedgerService;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Holds on a real broker: exact admission under concurrency across two instances, retries, voids, and holds that outlive a restart. */
@ExtendWith(LedgerClusterExtension.class)
class HoldsIT {
    private static final String BUDGET = """
            {"tenant_id": "acme", "subject": {"type": "tenant", "id": "acme"}, "metric": "cost_micros", "limit": 50000,
             "period": {"kind": "month", "time_zone": "UTC"}, "thresholds": [50, 80, 90, 100]}""";

    @TempDir
    Path state;

    @Test
    void shouldGrantExactlyTheHoldsThereIsRoomForAcrossTwoInstances(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("holds");
        ServiceFixture.createTopics(cluster, prefix, 4);
        LedgerService first = ServiceFixture.startAndAwaitRunning(
                ServiceFixture.config(cluster, prefix, prefix + "-app", state.resolve("first")), Clock.systemUTC());
        LedgerService second = ServiceFixture.startAndAwaitRunning(
                ServiceFixture.config(cluster, prefix, prefix + "-app", state.resolve("second")), Clock.systemUTC());
        try {
            List<Api> instances = List.of(new Api(first.apiUri()), new Api(second.apiUri()));
            Await.until(() -> instances.stream().allMatch(api -> api.get("/ready", null).status() == 200), Duration.ofSeconds(60),
                    "both instances to be ready after the rebalance");
            assertThat(instances.get(0).put("/v1/policies/acme-month", ADMIN_TOKEN, BUDGET).status()).isEqualTo(200);
            Await.until(() -> instances.get(1).get("/v1/policies/acme-month", ADMIN_TOKEN).status() == 200, Duration.ofSeconds(30),
                    "the policy to reach the second instance");

            // When 200 holds of 1,000 each arrive at once, half at each instance, against room for 50
            Map<String, Integer> statuses = new ConcurrentHashMap<>();
            Map<Integer, String> sampleBodies = new ConcurrentHashMap<>();
            try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> calls = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    String id = "hold-" + i;
                    Api api = instances.get(i % 2);
                    calls.add(callers.submit(() -> {
                        // a client retries a 503 after its retry_after_ms, as the answer asks (the hold id
                        // makes the retry safe: it never reserves twice)
                        Api.Response response = api.post("/v1/holds", ACME_TOKEN, hold(id, 600_000));
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                        while (response.status() == 503 && System.nanoTime() < deadline) {
                            TimeUnit.MILLISECONDS.sleep(Math.min(1_000, response.json().path("retry_after_ms").asLong(100)));
                            response = api.post("/v1/holds", ACME_TOKEN, hold(id, 600_000));
                        }
                        statuses.put(id, response.status());
                        sampleBodies.putIfAbsent(response.status(), response.body());
                        return null;
                    }));
                }
                for (Future<?> call : calls) {
                    call.get();
                }
            }

            // Then exactly 50 are granted, and the budget shows them all held
            assertThat(statuses.values().stream().filter(s -> s == 201).count()).as("answers by status: %s", sampleBodies).isEqualTo(50);
            assertThat(statuses.values().stream().filter(s -> s == 200).count()).as("answers by status: %s", sampleBodies).isEqualTo(150);
            JsonNode budget = instances.get(1).get("/v1/tenants/acme/status", ACME_TOKEN).json().get("budgets").get(0);
            assertThat(budget.get("held").asLong()).isEqualTo(50_000L);
            assertThat(budget.get("remaining").asLong()).isZero();

            // And a retry of a granted hold answers as the first time, reserving nothing more
            String granted = statuses.entrySet().stream().filter(e -> e.getValue() == 201).findFirst().orElseThrow().getKey();
            Api.Response retry = instances.get(0).post("/v1/holds", ACME_TOKEN, hold(granted, 600_000));
            assertThat(retry.status()).isEqualTo(201);
            assertThat(retry.json().get("hold").get("state").asText()).isEqualTo("placed");

            // When every granted hold is settled by its usage, then used takes the place of held and the breaches agree
            List<UsageEvent> usage = new ArrayList<>();
            statuses.forEach((id, status) -> {
                if (status == 201) {
                    usage.add(UsageEvent.newBuilder().setEventId("use-" + id).setTenantId("acme").setOccurredAt(Instant.now())
                            .setTeamIds(List.of()).setCostMicros(1_000L).setRequests(1).setHoldId(id).setStatus(UsageStatus.ok).build());
                }
            });
            ServiceFixture.publish(cluster, prefix + ".usage", usage);
            Await.until(() -> {
                JsonNode b = instances.get(0).get("/v1/tenants/acme/status", ACME_TOKEN).json().get("budgets").get(0);
                return b.get("used").asLong() == 50_000L && b.get("held").asLong() == 0;
            }, Duration.ofSeconds(30), "the settled usage to replace the held amounts");
            JsonNode breaches = instances.get(1).get("/v1/tenants/acme/breaches", ACME_TOKEN).json().get("breaches");
            assertThat(breaches).hasSize(4);
            assertThat(instances.get(0).get("/v1/holds/" + granted + "?tenant_id=acme", ACME_TOKEN).json().get("state").asText())
                    .isEqualTo("settled");
        } finally {
            second.close();
            first.close();
        }
    }

    @Test
    void shouldVoidAHoldAndKeepLiveHoldsAcrossARestartUntilTheyExpire(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("holds-restart");
        ServiceFixture.createTopics(cluster, prefix, 2);
        Map<String, Object> config = ServiceFixture.config(cluster, prefix, prefix + "-app", state.resolve("one"));
        LedgerService service = ServiceFixture.startAndAwaitRunning(config, Clock.systemUTC());
        Instant expiresAt;
        try {
            Api api = new Api(service.apiUri());
            assertThat(api.put("/v1/policies/acme-month", ADMIN_TOKEN, BUDGET).status()).isEqualTo(200);
            assertThat(api.post("/v1/holds", ACME_TOKEN, hold("to-void", 600_000)).status()).isEqualTo(201);
            Api.Response voided = api.delete("/v1/holds/to-void", ACME_TOKEN);
            assertThat(voided.status()).as(voided.body()).isEqualTo(200);
            assertThat(voided.json().get("state").asText()).isEqualTo("voided");
            assertThat(api.delete("/v1/holds/to-void", ACME_TOKEN).status()).as("voided already").isEqualTo(409);

            Api.Response live = api.post("/v1/holds", ACME_TOKEN, hold("outlives-restart", 8_000));
            assertThat(live.status()).isEqualTo(201);
            expiresAt = Instant.parse(live.json().get("hold").get("expires_at").asText());

            // And the tenant's open holds list it, with its estimate and scope, and not the voided one
            JsonNode open = api.get("/v1/tenants/acme/holds?state=placed", ACME_TOKEN).json();
            assertThat(open.get("holds")).hasSize(1);
            assertThat(open.get("holds").get(0).get("hold_id").asText()).isEqualTo("outlives-restart");
            assertThat(open.get("holds").get(0).get("estimate_cost_micros").asLong()).isEqualTo(1_000L);
            assertThat(open.get("holds").get(0).get("scope").get("user_id").asText()).isEqualTo("acme-u1");
            JsonNode all = api.get("/v1/tenants/acme/holds", ACME_TOKEN).json();
            assertThat(all.get("holds").findValuesAsText("hold_id")).containsExactly("outlives-restart", "to-void");
            Api.Response badState = api.get("/v1/tenants/acme/holds?state=open", ACME_TOKEN);
            assertThat(badState.status()).isEqualTo(400);
            assertThat(badState.body()).contains("state").contains("'open'");
            assertThat(api.get("/v1/tenants/acme/holds", ServiceFixture.GLOBEX_TOKEN).status()).isEqualTo(403);
        } finally {
            service.close();
        }

        // When the owning instance restarts, the hold is still there, still held, until its expiry
        LedgerService restarted = ServiceFixture.startAndAwaitRunning(config, Clock.systemUTC());
        try {
            Api api = new Api(restarted.apiUri());
            JsonNode hold = api.get("/v1/holds/outlives-restart", ACME_TOKEN).json();
            assertThat(hold.get("state").asText()).isEqualTo("placed");
            assertThat(api.get("/v1/tenants/acme/status", ACME_TOKEN).json().get("budgets").get(0).get("held").asLong()).isEqualTo(1_000L);
            Await.until(() -> "expired".equals(api.get("/v1/holds/outlives-restart", ACME_TOKEN).json().get("state").asText()),
                    Duration.ofSeconds(30), "the hold to expire");
            assertThat(Instant.now()).as("not expired before its time").isAfterOrEqualTo(expiresAt);
            assertThat(api.get("/v1/tenants/acme/status", ACME_TOKEN).json().get("budgets").get(0).get("held").asLong()).isZero();
        } finally {
            restarted.close();
        }
    }

    @Test
    void shouldReserveWithAHoldExactlyWhatACheckOfTheSameBodyWeighs(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("holds-estimate");
        ServiceFixture.createTopics(cluster, prefix, 1);
        LedgerService service = ServiceFixture.startAndAwaitRunning(
                ServiceFixture.config(cluster, prefix, prefix + "-app", state.resolve("one")), Clock.systemUTC());
        try {
            Api api = new Api(service.apiUri());
            // Given a tokens budget one token short of the estimate: input 1,000 (400 of them cached) + output 2,000 + reasoning 5,000
            String estimate = "\"estimate\": {\"input_tokens\": 1000, \"cached_input_tokens\": 400, \"output_tokens\": 2000,"
                    + " \"reasoning_tokens\": 5000}";
            String call = "{\"tenant_id\": \"acme\", \"user_id\": \"acme-u1\", " + estimate;
            assertThat(api.put("/v1/policies/acme-tokens", ADMIN_TOKEN, tokenBudget(7_999)).status()).isEqualTo(200);

            // When the same body is checked and held, then both deny it
            Api.Response check = api.post("/v1/check", ACME_TOKEN, call + "}");
            assertThat(check.json().get("decision").asText()).as(check.body()).isEqualTo("deny");
            Api.Response denied = api.post("/v1/holds", ACME_TOKEN, call + ", \"hold_id\": \"short\"}");
            assertThat(denied.status()).as(denied.body()).isEqualTo(200);
            assertThat(denied.json().get("decision").asText()).isEqualTo("deny");

            // When the budget has room for exactly the estimate, then the check lets it through (warned: past the default
            // 80 % soft limit) and the hold reserves all 8,000 tokens
            assertThat(api.put("/v1/policies/acme-tokens", ADMIN_TOKEN, tokenBudget(8_000)).status()).isEqualTo(200);
            Api.Response allowed = api.post("/v1/check", ACME_TOKEN, call + "}");
            assertThat(allowed.json().get("decision").asText()).as(allowed.body()).isEqualTo("warn");
            assertThat(allowed.json().get("reasons").toString()).isEqualTo("[\"soft_limit\"]");
            assertThat(allowed.json().get("budgets").get(0).get("pct_after").decimalValue()).isEqualByComparingTo("100.00");
            Api.Response granted = api.post("/v1/holds", ACME_TOKEN, call + ", \"hold_id\": \"fits\"}");
            assertThat(granted.status()).as(granted.body()).isEqualTo(201);
            assertThat(api.get("/v1/holds/fits", ACME_TOKEN).json().get("held").asLong()).isEqualTo(8_000L);
        } finally {
            service.close();
        }
    }

    private static String tokenBudget(long limit) {
        return "{\"tenant_id\": \"acme\", \"subject\": {\"type\": \"tenant\", \"id\": \"acme\"}, \"metric\": \"tokens\", \"limit\": "
                + limit + ", \"period\": {\"kind\": \"month\", \"time_zone\": \"UTC\"}}";
    }

    private static String hold(String id, long ttlMs) {
        return "{\"tenant_id\": \"acme\", \"user_id\": \"acme-u1\", \"hold_id\": \"" + id + "\", \"ttl_ms\": " + ttlMs
                + ", \"estimate\": {\"cost_micros\": 1000}}";
    }
}
