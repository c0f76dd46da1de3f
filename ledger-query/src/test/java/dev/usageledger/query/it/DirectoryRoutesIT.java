package dev.usageledger.query.it;

import static dev.usageledger.query.it.ServiceFixture.ACME_TOKEN;
import static dev.usageledger.query.it.ServiceFixture.ADMIN_TOKEN;
import static dev.usageledger.query.it.ServiceFixture.GLOBEX_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.query.LedgerService;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The key directory over HTTP: a tenant's token manages its own keys and users (not another
 * tenant's), each write a version with its history kept; checks, holds and usage that name only a
 * key are judged by the budgets of the key's user and teams; an inactive key is denied with its
 * own reason; every field is validated.
 */
@ExtendWith(LedgerClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DirectoryRoutesIT {
    private static final String TEAM_BUDGET = """
            {"tenant_id": "acme", "subject": {"type": "team", "id": "platform"}, "metric": "cost_micros", "limit": 1000,
             "period": {"kind": "month", "time_zone": "UTC"}, "thresholds": [], "enforce": true}""";

    private LedgerCluster cluster;
    private String usageTopic;
    private Instant now;
    private LedgerService service;
    private Api api;

    @BeforeAll
    void start(LedgerCluster ledgerCluster) throws Exception {
        cluster = ledgerCluster;
        String prefix = LedgerCluster.uniqueName("directory");
        usageTopic = prefix + ".usage";
        ServiceFixture.createTopics(cluster, prefix, 2);
        now = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(30, ChronoUnit.MINUTES);
        service = ServiceFixture.startAndAwaitRunning(ServiceFixture.config(cluster, prefix, prefix + "-app",
                Files.createTempDirectory("ledger-directory-it")), Clock.fixed(now, ZoneOffset.UTC));
        api = new Api(service.apiUri());
        assertThat(api.put("/v1/policies/platform-month", ADMIN_TOKEN, TEAM_BUDGET).status()).isEqualTo(200);
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void shouldKeepEveryVersionOfAKeyAndAnswerItAsOfAnyInstant() {
        Api.Response first = api.put("/v1/tenants/acme/keys/k-moved", ACME_TOKEN, """
                {"user_id": "ana", "team_ids": ["research"], "effective_from": "2026-01-01T00:00:00Z", "updated_by": "ops@acme"}""");
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().get("team_ids").toString()).isEqualTo("[\"research\"]");
        assertThat(api.put("/v1/tenants/acme/keys/k-moved", ACME_TOKEN,
                "{\"user_id\": \"ana\", \"team_ids\": [\"platform\"], \"effective_from\": \"2026-06-15T00:00:00Z\"}").status())
                .isEqualTo(200);

        JsonNode current = api.get("/v1/tenants/acme/keys/k-moved", ACME_TOKEN).json();
        assertThat(current.get("api_key_id").asText()).isEqualTo("k-moved");
        assertThat(current.get("user_id").asText()).isEqualTo("ana");
        assertThat(current.get("team_ids").toString()).isEqualTo("[\"platform\"]");
        assertThat(current.get("active").asBoolean()).isTrue();
        assertThat(current.get("history").findValuesAsText("effective_from")).extracting(Instant::parse)
                .containsExactly(Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-06-15T00:00:00Z"));
        JsonNode earlier = api.get("/v1/tenants/acme/keys/k-moved?at=2026-06-01T00:00:00Z", ACME_TOKEN).json();
        assertThat(earlier.get("team_ids").toString()).isEqualTo("[\"research\"]");
        assertThat(earlier.get("updated_by").asText()).isEqualTo("ops@acme");
        assertThat(api.get("/v1/tenants/acme/keys", ADMIN_TOKEN).json().get("keys").findValuesAsText("api_key_id")).contains("k-moved");

        Api.Response removed = api.delete("/v1/tenants/acme/keys/k-moved", ACME_TOKEN);
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(removed.json().get("removed").asBoolean()).isTrue();
        assertThat(Instant.parse(removed.json().get("effective_from").asText())).as("a write without effective_from is in force from its time")
                .isEqualTo(now);
        assertThat(api.get("/v1/tenants/acme/keys/k-moved", ACME_TOKEN).status()).isEqualTo(404);
        assertThat(api.delete("/v1/tenants/acme/keys/k-moved", ACME_TOKEN).status()).as("removed already").isEqualTo(404);
        assertThat(api.get("/v1/tenants/acme/keys/k-moved?at=2026-06-01T00:00:00Z", ACME_TOKEN).json().get("history").size())
                .as("the removal is a version too; the earlier ones stay").isEqualTo(3);
        assertThat(api.get("/v1/tenants/acme/keys", ACME_TOKEN).json().get("keys").findValuesAsText("api_key_id"))
                .doesNotContain("k-moved");
    }

    @Test
    void shouldRefuseAnotherTenantsDirectory() {
        Api.Response foreign = api.put("/v1/tenants/acme/keys/k-foreign", GLOBEX_TOKEN, "{\"user_id\": \"mallory\"}");
        assertThat(foreign.status()).as(foreign.body()).isEqualTo(403);
        assertThat(foreign.json().get("error").get("code").asText()).isEqualTo("forbidden");
        assertThat(api.get("/v1/tenants/acme/keys", GLOBEX_TOKEN).status()).isEqualTo(403);
        assertThat(api.get("/v1/tenants/acme/users/ana", GLOBEX_TOKEN).status()).isEqualTo(403);
        assertThat(api.delete("/v1/tenants/acme/users/ana", GLOBEX_TOKEN).status()).isEqualTo(403);
    }

    @Test
    void shouldJudgeACheckThatNamesOnlyAKeyByTheBudgetsOfItsTeamAndDenyAnInactiveKey() {
        assertThat(api.put("/v1/tenants/acme/keys/k-check", ACME_TOKEN, "{\"user_id\": \"bo\", \"team_ids\": [\"platform\"]}").status())
                .isEqualTo(200);

        JsonNode check = api.post("/v1/check", ACME_TOKEN, check("k-check", 5_000)).json();
        assertThat(check.get("decision").asText()).as(check.toString()).isEqualTo("deny");
        assertThat(check.get("reasons").toString()).isEqualTo("[\"estimate_exceeds_remaining\"]");
        assertThat(check.get("budgets").findValuesAsText("policy_id")).containsExactly("platform-month");
        assertThat(api.post("/v1/check", ACME_TOKEN, check("k-check", 10)).json().get("decision").asText()).isEqualTo("allow");

        assertThat(api.put("/v1/tenants/acme/keys/k-check", ACME_TOKEN,
                "{\"user_id\": \"bo\", \"team_ids\": [\"platform\"], \"active\": false}").status()).isEqualTo(200);
        JsonNode inactive = api.post("/v1/check", ACME_TOKEN, check("k-check", 10)).json();
        assertThat(inactive.get("decision").asText()).isEqualTo("deny");
        assertThat(inactive.get("reasons").get(0).asText()).isEqualTo("key_inactive");
        JsonNode named = api.post("/v1/check", ACME_TOKEN, """
                {"tenant_id": "acme", "api_key_id": "k-check", "user_id": "bo", "team_ids": ["platform"],
                 "estimate": {"cost_micros": 10}}""").json();
        assertThat(named.get("reasons").get(0).asText()).as("inactive whatever else the call names").isEqualTo("key_inactive");

        Api.Response hold = api.post("/v1/holds", ACME_TOKEN, hold("h-inactive", "k-check"));
        assertThat(hold.status()).as(hold.body()).isEqualTo(200);
        assertThat(hold.json().get("decision").asText()).isEqualTo("deny");
        assertThat(hold.json().get("reasons").get(0).asText()).isEqualTo("key_inactive");
        assertThat(api.put("/v1/tenants/acme/keys/k-check", ACME_TOKEN, "{\"user_id\": \"bo\", \"team_ids\": [\"platform\"]}").status())
                .isEqualTo(200);
        Api.Response retried = api.post("/v1/holds", ACME_TOKEN, hold("h-inactive", "k-check"));
        assertThat(retried.json().get("reasons").get(0).asText()).as("a retry by hold_id gets the first answer").isEqualTo("key_inactive");
        Api.Response placed = api.post("/v1/holds", ACME_TOKEN, hold("h-active", "k-check"));
        assertThat(placed.status()).as(placed.body()).isEqualTo(201);
        assertThat(placed.json().get("budgets").findValuesAsText("policy_id")).containsExactly("platform-month");
        assertThat(api.delete("/v1/holds/h-active?tenant_id=acme", ACME_TOKEN).status()).isEqualTo(200);
    }

    @Test
    void shouldCountUsageThatNamesOnlyAKeyTowardItsUsersTeams() throws Exception {
        assertThat(api.put("/v1/tenants/acme/users/cy", ACME_TOKEN, "{\"team_ids\": [\"data\"], \"updated_by\": \"hr-sync\"}").status())
                .isEqualTo(200);
        assertThat(api.get("/v1/tenants/acme/users/cy", ACME_TOKEN).json().get("team_ids").toString()).isEqualTo("[\"data\"]");
        assertThat(api.put("/v1/tenants/acme/keys/k-usage", ACME_TOKEN, "{\"user_id\": \"cy\"}").status()).isEqualTo(200);

        UsageEvent event = UsageEvent.newBuilder().setEventId("by-key").setTenantId("acme").setOccurredAt(now).setTeamIds(List.of())
                .setApiKeyId("k-usage").setProvider("openai").setModel("gpt-4.1-mini").setCostMicros(321L).setRequests(1)
                .setStatus(UsageStatus.ok).build();
        RecordMetadata published = ServiceFixture.publish(cluster, usageTopic, List.of(event), now);

        String teamUsage = "/v1/tenants/acme/usage?scope=team:data&min_offset=" + published.offset();
        Await.until(() -> api.get(teamUsage, ACME_TOKEN).status() == 200, Duration.ofSeconds(60), "the reports to count the event");
        assertThat(api.get(teamUsage, ACME_TOKEN).json().get("cost_micros").asLong()).isEqualTo(321);
        assertThat(api.get("/v1/tenants/acme/usage?scope=user:cy&min_offset=" + published.offset(), ACME_TOKEN).json()
                .get("cost_micros").asLong()).isEqualTo(321);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            PUT | /v1/tenants/acme/keys/k%20space | {"user_id": "ana"}                          | api_key_id
            PUT | /v1/tenants/acme/keys/k1        | {"user_id": "a b"}                          | user_id
            PUT | /v1/tenants/acme/keys/k1        | {"team_ids": ["ok", ""]}                    | team_ids[1]
            PUT | /v1/tenants/acme/keys/k1        | {"active": "yes"}                           | active
            PUT | /v1/tenants/acme/keys/k1        | {"effective_from": "soon"}                  | effective_from
            PUT | /v1/tenants/acme/keys/k1        | {"updated_by": ""}                          | updated_by
            PUT | /v1/tenants/acme/users/u1       | {"user_id": "u2", "team_ids": []}           | user_id
            PUT | /v1/tenants/acme/users/u1       | {"active": false, "team_ids": []}           | active
            PUT | /v1/tenants/acme/users/u1       | {}                                          | team_ids
            GET | /v1/tenants/acme/keys/k1?at=noon |                                            | at
            DELETE | /v1/tenants/acme/users/u1?effective_from=later |                           | effective_from
            """)
    void shouldRefuseBadInputNamingTheField(String method, String path, String body, String field) {
        Api.Response response = api.send(method, path, ACME_TOKEN, body);

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.json().get("error").get("field").asText()).as(response.body()).isEqualTo(field);
    }

    @Test
    void shouldRefuseAnUnknownField() {
        Api.Response response = api.put("/v1/tenants/acme/keys/k1", ACME_TOKEN, "{\"owner\": \"ana\"}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("error").get("code").asText()).isEqualTo("unknown_field");
    }

    private static String check(String key, long cost) {
        return "{\"tenant_id\": \"acme\", \"api_key_id\": \"" + key + "\", \"estimate\": {\"cost_micros\": " + cost + "}}";
    }

    private static String hold(String id, String key) {
        return "{\"tenant_id\": \"acme\", \"api_key_id\": \"" + key + "\", \"hold_id\": \"" + id + "\", \"estimate\": {\"cost_micros\": 10}}";
    }
}
