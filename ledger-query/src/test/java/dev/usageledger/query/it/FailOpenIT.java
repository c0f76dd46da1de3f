package dev.usageledger.query.it;

import static dev.usageledger.query.it.ServiceFixture.ACME_TOKEN;
import static dev.usageledger.query.it.ServiceFixture.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-policy fail mode: two instances of one application, each advertising an address nobody can
 * reach, so the one that does not own acme's partition can neither answer for acme from state nor
 * forward. Its checks and holds for acme then go through undecided (200, allow, degraded, nothing
 * reserved) while every budget that would enforce on the call fails open, and get 503 as soon as
 * one fails closed; the owner itself still decides from its state.
 */
@ExtendWith(LedgerClusterExtension.class)
class FailOpenIT {
    private static final String TEAM_OPEN = """
            {"tenant_id": "acme", "subject": {"type": "team", "id": "platform"}, "metric": "cost_micros", "limit": 1000,
             "period": {"kind": "month", "time_zone": "UTC"}, "thresholds": [], "fail_open": true}""";
    private static final String TENANT_CLOSED = """
            {"tenant_id": "acme", "subject": {"type": "tenant", "id": "acme"}, "metric": "cost_micros", "limit": 1000,
             "period": {"kind": "month", "time_zone": "UTC"}, "thresholds": []}""";
    private static final String CHECK = """
            {"tenant_id": "acme", "team_ids": ["platform"], "estimate": {"cost_micros": 5000}}""";
    private static final String HOLD = """
            {"tenant_id": "acme", "team_ids": ["platform"], "hold_id": "h-open", "estimate": {"cost_micros": 10}}""";

    @TempDir
    Path state;

    @Test
    void shouldLetACallThroughUndecidedOnlyWhileEveryBudgetThatWouldEnforceOnItFailsOpen(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("fail-open");
        ServiceFixture.createTopics(cluster, prefix, 1); // one partition: one of the two owns every tenant
        Clock clock = Clock.fixed(Instant.now().truncatedTo(ChronoUnit.HOURS).plus(30, ChronoUnit.MINUTES), ZoneOffset.UTC);
        try (LedgerService first = ServiceFixture.startAndAwaitRunning(unreachable(cluster, prefix, "first"), clock);
             LedgerService second = ServiceFixture.startAndAwaitRunning(unreachable(cluster, prefix, "second"), clock)) {
            Api one = new Api(URI.create("http://127.0.0.1:" + first.port())); // not the advertised address
            Api two = new Api(URI.create("http://127.0.0.1:" + second.port()));
            assertThat(one.put("/v1/policies/team-open", ADMIN_TOKEN, TEAM_OPEN).status()).isEqualTo(200);
            // settled: one instance owns the partition and decides, the other knows it and cannot reach it (while the
            // partition moves, both may answer undecided)
            Await.until(() -> first.streams().metadataForAllStreamsClients().size() == 2
                    && second.streams().metadataForAllStreamsClients().size() == 2 && degraded(one) != degraded(two),
                    Duration.ofSeconds(60), "the instance without acme's partition to know its owner and fail to reach it");
            Api viaOther = degraded(one) ? one : two;
            Api direct = viaOther == one ? two : one;

            JsonNode check = viaOther.post("/v1/check", ACME_TOKEN, CHECK).json();
            assertThat(check.get("decision").asText()).as(check.toString()).isEqualTo("allow");
            assertThat(check.get("reasons").toString()).isEqualTo("[\"fail_open\"]");
            assertThat(check.get("budgets").findValuesAsText("policy_id")).containsExactly("team-open");
            assertThat(check.get("message").asText()).contains("192.0.2.1").contains("fails open (team-open)");
            JsonNode decided = direct.post("/v1/check", ACME_TOKEN, CHECK).json();
            assertThat(decided.get("decision").asText()).as("the owner decides from its state: 5,000 of 1,000").isEqualTo("deny");
            assertThat(decided.has("degraded")).isFalse();

            Api.Response hold = viaOther.post("/v1/holds", ACME_TOKEN, HOLD);
            assertThat(hold.status()).as(hold.body()).isEqualTo(200);
            assertThat(hold.json().get("decision").asText()).isEqualTo("allow");
            assertThat(hold.json().has("hold")).as("nothing reserved").isFalse();
            assertThat(direct.get("/v1/holds/h-open?tenant_id=acme", ACME_TOKEN).status()).as("no hold was placed").isEqualTo(404);

            assertThat(direct.put("/v1/policies/acme-closed", ADMIN_TOKEN, TENANT_CLOSED).status()).isIn(200, 202);
            Await.until(() -> viaOther.post("/v1/check", ACME_TOKEN, CHECK).status() == 503, Duration.ofSeconds(30),
                    "the second instance to read the fail-closed budget");
            Api.Response closed = viaOther.post("/v1/check", ACME_TOKEN, CHECK);
            assertThat(closed.json().get("error").get("code").asText()).isEqualTo("unavailable");
            assertThat(viaOther.post("/v1/holds", ACME_TOKEN, HOLD.replace("h-open", "h-closed")).status()).isEqualTo(503);
        }
    }

    private Map<String, Object> unreachable(LedgerCluster cluster, String prefix, String name) {
        Map<String, Object> config = ServiceFixture.config(cluster, prefix, prefix + "-app", state.resolve(name));
        config.put(ServiceConfig.ADVERTISED_HOST_CONFIG, "192.0.2.1"); // TEST-NET-1: nothing answers there
        config.put(ServiceConfig.FORWARD_TIMEOUT_MS_CONFIG, 300L);
        return config;
    }

    private static boolean degraded(Api api) {
        return api.post("/v1/check", ACME_TOKEN, CHECK).json().path("degraded").asBoolean(false);
    }
}
