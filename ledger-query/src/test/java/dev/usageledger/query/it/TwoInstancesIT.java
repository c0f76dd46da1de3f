package dev.usageledger.query.it;

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
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances with one application id split the partitions; either answers for any tenant
 * (forwarding to the owner), with identical answers; when one stops, the other answers for all.
 */
@ExtendWith(LedgerClusterExtension.class)
class TwoInstancesIT {
    private static final int TENANTS = 8;

    @TempDir
    Path state;

    @Test
    void shouldAnswerForEveryTenantFromEitherInstanceAndFromTheSurvivorAfterOneStops(LedgerCluster cluster) throws Exception {
        // Given two instances of one application, a budget per tenant, and usage for eight tenants
        String prefix = LedgerCluster.uniqueName("two");
        ServiceFixture.createTopics(cluster, prefix, 4);
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        Clock clock = Clock.fixed(hour.plus(30, ChronoUnit.MINUTES), ZoneOffset.UTC);
        LedgerService first = ServiceFixture.startAndAwaitRunning(
                ServiceFixture.config(cluster, prefix, prefix + "-app", state.resolve("first")), clock);
        LedgerService second = null;
        try {
            second = ServiceFixture.startAndAwaitRunning(
                    ServiceFixture.config(cluster, prefix, prefix + "-app", state.resolve("second")), clock);
            Api one = new Api(first.apiUri());
            Api two = new Api(second.apiUri());
            Map<String, Long> expected = new TreeMap<>();
            List<UsageEvent> events = new ArrayList<>();
            for (int t = 0; t < TENANTS; t++) {
                String tenant = "tenant-" + t;
                assertThat(one.put("/v1/policies/" + tenant + "-month", ADMIN_TOKEN, policy(tenant)).status()).isIn(200, 202);
                for (int e = 0; e < 5; e++) {
                    long cost = 1_000L * (t + 1) + e;
                    events.add(UsageEvent.newBuilder().setEventId(tenant + "-e" + e).setTenantId(tenant)
                            .setOccurredAt(hour.plusSeconds(e + 1)).setUserId(tenant + "-u").setCostMicros(cost)
                            .setRequests(1).setStatus(UsageStatus.ok).build());
                    expected.merge(tenant, cost, Long::sum);
                }
            }
            RecordMetadata last = ServiceFixture.publish(cluster, prefix + ".usage", events);
            awaitTotals(one, expected, "the first instance");

            // When either instance is asked about any tenant, then both answer alike, and exactly
            int forwarded = 0;
            for (String tenant : expected.keySet()) {
                JsonNode viaOne = one.get("/v1/tenants/" + tenant + "/usage?period=day", ADMIN_TOKEN).json();
                JsonNode viaTwo = two.get("/v1/tenants/" + tenant + "/usage?period=day", ADMIN_TOKEN).json();
                assertThat(viaOne.get("cost_micros").asLong()).as(tenant).isEqualTo(expected.get(tenant));
                assertThat(viaTwo).as(tenant).isEqualTo(viaOne);
                JsonNode checkOne = one.post("/v1/check", ADMIN_TOKEN, check(tenant)).json();
                JsonNode checkTwo = two.post("/v1/check", ADMIN_TOKEN, check(tenant)).json();
                assertThat(checkTwo).as(tenant).isEqualTo(checkOne);
                assertThat(checkOne.get("budgets").get(0).get("used").asLong()).isEqualTo(expected.get(tenant));
                if (!ownsPartition(first, viaOne.get("as_of").get("partition").asInt())) {
                    forwarded++;
                }
            }
            assertThat(forwarded).as("some tenants of the first instance's answers were owned by the second").isPositive()
                    .isLessThan(TENANTS);

            // When the second instance stops, then the first answers for every tenant after the rebalance
            second.close();
            second = null;
            awaitTotals(one, expected, "the surviving instance after the rebalance");
            assertThat(last.offset()).isNotNegative();
        } finally {
            if (second != null) {
                second.close();
            }
            first.close();
        }
    }

    private static void awaitTotals(Api api, Map<String, Long> expected, String who) {
        Await.until(() -> expected.entrySet().stream().allMatch(entry -> {
            Api.Response response = api.get("/v1/tenants/" + entry.getKey() + "/usage?period=day", ADMIN_TOKEN);
            return response.status() == 200 && response.json().get("cost_micros").asLong() == entry.getValue()
                    && !response.json().has("stale");
        }), Duration.ofSeconds(60), who + " to answer every tenant's exact total");
    }

    private static boolean ownsPartition(LedgerService service, int partition) {
        return service.streams().metadataForLocalThreads().stream().flatMap(thread -> thread.activeTasks().stream())
                .anyMatch(task -> task.taskId().partition() == partition && task.taskId().subtopology() == 0);
    }

    private static String policy(String tenant) {
        return "{\"tenant_id\": \"" + tenant + "\", \"subject\": {\"type\": \"tenant\", \"id\": \"" + tenant + "\"},"
                + " \"metric\": \"cost_micros\", \"limit\": 1000000, \"period\": {\"kind\": \"month\", \"time_zone\": \"UTC\"}}";
    }

    private static String check(String tenant) {
        return "{\"tenant_id\": \"" + tenant + "\", \"user_id\": \"" + tenant + "-u\", \"estimate\": {\"cost_micros\": 10}}";
    }
}
