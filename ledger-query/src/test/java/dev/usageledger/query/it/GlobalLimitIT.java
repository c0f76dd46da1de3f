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
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model's limit over every tenant, end to end on a real broker: written by an admin as a global
 * policy, counted from two tenants' usage by the global task, read by every check through the
 * global counters topic, and denying a third tenant's call at the limit.
 */
@ExtendWith(LedgerClusterExtension.class)
class GlobalLimitIT {
    private static final String GLOBAL = """
            {"tenant_id": "*", "subject": {"type": "model", "id": "gpt-4.1"}, "metric": "cost_micros", "limit": 1000,
             "period": {"kind": "month", "time_zone": "UTC"}, "thresholds": [100]}""";

    @TempDir
    Path state;

    @Test
    void shouldDenyAnyTenantsCallAtAModelsLimitOverEveryTenant(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("global");
        ServiceFixture.createTopics(cluster, prefix, 2);
        Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(30, ChronoUnit.MINUTES);
        try (LedgerService service = ServiceFixture.startAndAwaitRunning(ServiceFixture.config(cluster, prefix, prefix + "-app", state),
                Clock.fixed(now, ZoneOffset.UTC))) {
            Api api = new Api(service.apiUri());
            assertThat(api.put("/v1/policies/gpt41-everyone", ACME_TOKEN, GLOBAL).status()).as("an admin's").isEqualTo(403);
            Api.Response team = api.put("/v1/policies/bad", ADMIN_TOKEN, GLOBAL.replace("\"model\", \"id\": \"gpt-4.1\"",
                    "\"team\", \"id\": \"platform\""));
            assertThat(team.status()).isEqualTo(400);
            assertThat(team.json().get("error").get("field").asText()).isEqualTo("subject.type");
            Api.Response rolling = api.put("/v1/policies/bad", ADMIN_TOKEN, GLOBAL.replace("\"kind\": \"month\", \"time_zone\": \"UTC\"",
                    "\"kind\": \"rolling\", \"duration\": \"PT1H\""));
            assertThat(rolling.status()).as(rolling.body()).isEqualTo(400);
            assertThat(rolling.json().get("error").get("field").asText()).isEqualTo("period.kind");
            assertThat(api.put("/v1/policies/gpt41-everyone", ADMIN_TOKEN, GLOBAL).status()).isEqualTo(200);

            ServiceFixture.publish(cluster, prefix + ".usage", List.of(call("acme", "a-1", 600), call("globex", "g-1", 300)), now);

            Await.until(() -> used(api.post("/v1/check", ADMIN_TOKEN, check("initech", 1)).json()) == 900, Duration.ofSeconds(60),
                    "the global task to count both tenants' calls and every instance to read its counter");
            JsonNode denied = api.post("/v1/check", ADMIN_TOKEN, check("initech", 200)).json();
            assertThat(denied.get("decision").asText()).as(denied.toString()).isEqualTo("deny");
            assertThat(denied.get("reasons").toString()).isEqualTo("[\"estimate_exceeds_remaining\"]");
            JsonNode line = denied.get("budgets").get(0);
            assertThat(line.get("policy_id").asText()).isEqualTo("gpt41-everyone");
            assertThat(line.get("remaining").asLong()).isEqualTo(100);
            assertThat(api.post("/v1/check", ADMIN_TOKEN, check("initech", 100)).json().get("decision").asText())
                    .as("it fits; past the default soft limit (80 %) it is warned").isEqualTo("warn");
            assertThat(api.post("/v1/check", ADMIN_TOKEN, check("acme", 101)).json().get("decision").asText())
                    .as("the limit is every tenant's").isEqualTo("deny");
            JsonNode status = api.get("/v1/tenants/initech/status?scope=model:gpt-4.1", ADMIN_TOKEN).json();
            assertThat(status.toString()).contains("gpt41-everyone");
            assertThat(status.get("budgets").get(0).get("used").asLong()).as(status.toString()).isEqualTo(900);
        }
    }

    private static long used(JsonNode answer) {
        for (JsonNode budget : answer.path("budgets")) {
            if (budget.path("policy_id").asText().equals("gpt41-everyone")) {
                return budget.path("used").asLong();
            }
        }
        return -1;
    }

    private static String check(String tenant, long cost) {
        return "{\"tenant_id\": \"" + tenant + "\", \"provider\": \"openai\", \"model\": \"gpt-4.1\", \"estimate\": {\"cost_micros\": "
                + cost + "}}";
    }

    private static UsageEvent call(String tenant, String id, long cost) {
        return UsageEvent.newBuilder().setEventId(id).setTenantId(tenant).setOccurredAt(Instant.now().truncatedTo(ChronoUnit.HOURS)
                        .plus(30, ChronoUnit.MINUTES)).setTeamIds(List.of()).setProvider("openai").setModel("gpt-4.1").setCostMicros(cost)
                .setRequests(1).setStatus(UsageStatus.ok).build();
    }
}
