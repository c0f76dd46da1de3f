package dev.usageledger.query.it;

import static dev.usageledger.query.it.ServiceFixture.ACME_TOKEN;
import static dev.usageledger.query.it.ServiceFixture.ADMIN_TOKEN;
import static dev.usageledger.query.it.ServiceFixture.GLOBEX_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.query.LedgerService;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The service's routes against a real broker: policies and prices written through the API, usage
 * published to the topic, and checks, reports and breaches answered from the topology's state.
 * Time: the service's clock is fixed half an hour into the current UTC hour; the events happen
 * in the first seconds of that hour, so every period asked about contains them.
 */
@ExtendWith(LedgerClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LedgerServiceIT {
    private static final String USER_DAY = """
            {"policy_id": "acme-user-each-day-cost", "tenant_id": "acme",
             "subject": {"type": "user", "id": "*"},
             "filters": {"models": [], "providers": ["openai"], "features": [], "endpoints": []},
             "metric": "cost_micros", "limit": 300000,
             "period": {"kind": "day", "time_zone": "America/New_York"},
             "thresholds": [50, 80, 100], "soft_limit_pct": 80, "enforce": true}""";
    private static final String PRICE = """
            {"effective_from": "2026-01-01T00:00:00Z", "currency": "USD", "input_micros_per_mtok": 400000,
             "cached_input_micros_per_mtok": 100000, "output_micros_per_mtok": 1600000}""";

    private LedgerService service;
    private Api api;
    private LedgerCluster cluster;
    private String usageTopic;
    private Instant hour;
    private RecordMetadata lastEvent;

    @BeforeAll
    void startService(LedgerCluster ledgerCluster) throws Exception {
        cluster = ledgerCluster;
        String prefix = LedgerCluster.uniqueName("query");
        usageTopic = prefix + ".usage";
        ServiceFixture.createTopics(cluster, prefix, 3);
        hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        Path state = Files.createTempDirectory("ledger-query-it");
        service = ServiceFixture.startAndAwaitRunning(ServiceFixture.config(cluster, prefix, prefix + "-app", state),
                Clock.fixed(hour.plus(30, ChronoUnit.MINUTES), ZoneOffset.UTC));
        api = new Api(service.apiUri());

        assertThat(api.put("/v1/prices/openai/gpt-4.1-mini", ADMIN_TOKEN, PRICE).status()).isEqualTo(200);
        assertThat(api.put("/v1/policies/acme-user-each-day-cost", ADMIN_TOKEN, USER_DAY).status()).isEqualTo(200);
        // u03 spends 299,000 in three calls; u04 makes one priced call of 1,000,000 in and 500,000 out tokens
        List<UsageEvent> events = new ArrayList<>();
        events.add(event("e-1", "acme-u03", 1, 100_000L, 0, 0));
        events.add(event("e-2", "acme-u03", 2, 100_000L, 0, 0));
        events.add(event("e-3", "acme-u03", 3, 99_000L, 0, 0));
        events.add(event("e-4", "acme-u04", 4, null, 1_000_000, 500_000));
        events.add(event("e-4", "acme-u04", 5, null, 1_000_000, 500_000)); // a retry: counted once
        // u07's call of 40 days ago arrives only now, from a producer's spool: late usage (beyond the 7-day grace)
        events.add(event("e-late", "acme-u07", -40 * 86_400, 100_000L, 0, 0));
        lastEvent = ServiceFixture.publish(cluster, usageTopic, events);
    }

    @AfterAll
    void stopService() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void shouldDenyACallWhoseEstimateExceedsWhatRemainsWithTheBudgetFigures() {
        Api.Response response = api.post("/v1/check", ACME_TOKEN, check("acme-u03", "\"cost_micros\": 1500", lastEvent.offset()));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode answer = response.json();
        assertThat(answer.get("decision").asText()).isEqualTo("deny");
        assertThat(answer.get("reasons").toString()).isEqualTo("[\"estimate_exceeds_remaining\"]");
        assertThat(answer.get("unpriced").asBoolean()).isFalse();
        JsonNode budget = answer.get("budgets").get(0);
        assertThat(budget.get("policy_id").asText()).isEqualTo("acme-user-each-day-cost");
        assertThat(budget.get("subject").toString()).isEqualTo("{\"type\":\"user\",\"id\":\"acme-u03\"}");
        assertThat(budget.get("used").asLong()).isEqualTo(299_000L);
        assertThat(budget.get("held").asLong()).isZero();
        assertThat(budget.get("limit").asLong()).isEqualTo(300_000L);
        assertThat(budget.get("remaining").asLong()).isEqualTo(1_000L);
        assertThat(budget.get("pct_after").decimalValue()).isEqualByComparingTo("100.17");
        assertThat(budget.get("verdict").asText()).isEqualTo("deny");
        assertThat(budget.get("message").asText()).isEqualTo("Request would exceed budget 'acme-user-each-day-cost' ($0.30 of $0.30)");
        assertThat(answer.get("as_of").get("partition").asInt()).isEqualTo(lastEvent.partition());
        assertThat(answer.get("as_of").get("offset").asLong()).isGreaterThanOrEqualTo(lastEvent.offset());
    }

    @Test
    void shouldStartABudgetCreatedMidPeriodFromTheUsageBeforeIt() {
        // Given u04's call counted today, before any request budget existed
        assertThat(api.post("/v1/check", ACME_TOKEN, check("acme-u04", "\"cost_micros\": 0", lastEvent.offset())).status())
                .isEqualTo(200);

        // When a budget of one request a day is created for u04 (no thresholds: no breach to disturb the breach tests)
        String policy = """
                {"policy_id": "acme-u04-one-request", "tenant_id": "acme", "subject": {"type": "user", "id": "acme-u04"},
                 "filters": {"models": [], "providers": [], "features": [], "endpoints": []},
                 "metric": "requests", "limit": 1, "period": {"kind": "day", "time_zone": "America/New_York"},
                 "thresholds": [], "enforce": true}""";
        assertThat(api.put("/v1/policies/acme-u04-one-request", ADMIN_TOKEN, policy).status()).isEqualTo(200);

        // Then the very next check counts the earlier call in the new budget (the seed from the reporting part) and denies
        JsonNode answer = api.post("/v1/check", ACME_TOKEN, check("acme-u04", "\"cost_micros\": 0", null)).json();
        JsonNode line = null;
        for (JsonNode budget : answer.get("budgets")) {
            if (budget.get("policy_id").asText().equals("acme-u04-one-request")) {
                line = budget;
            }
        }
        assertThat(line).as(answer.toString()).isNotNull();
        assertThat(line.get("used").asLong()).isEqualTo(1);
        assertThat(line.get("verdict").asText()).isEqualTo("deny");
        assertThat(answer.get("decision").asText()).isEqualTo("deny");
    }

    @Test
    void shouldRateAnEstimateWithoutCostFromThePriceInForce() {
        JsonNode answer = api.post("/v1/check", ACME_TOKEN,
                check("acme-u05", "\"input_tokens\": 1200, \"output_tokens\": 300", lastEvent.offset())).json();

        assertThat(answer.get("decision").asText()).isEqualTo("allow");
        assertThat(answer.get("unpriced").asBoolean()).isFalse();
        assertThat(answer.get("budgets").get(0).get("used").asLong()).isZero();
        // 1,200 x 0.4 + 300 x 1.6 = 960 micro-units of 300,000
        assertThat(answer.get("budgets").get(0).get("pct_after").decimalValue()).isEqualByComparingTo("0.32");
    }

    @Test
    void shouldFlagACallToAModelWithoutAPrice() {
        String body = """
                {"tenant_id": "acme", "user_id": "acme-u05", "provider": "openai", "model": "no-such-model",
                 "estimate": {"input_tokens": 10}}""";

        assertThat(api.post("/v1/check", ACME_TOKEN, body).json().get("unpriced").asBoolean()).isTrue();
    }

    @Test
    void shouldAnswerUsageStatusBreakdownAndBreachesFromTheTopology() {
        awaitApplied();
        JsonNode usage = api.get("/v1/tenants/acme/usage?scope=user:acme-u03&period=day&time_zone=America/New_York", ACME_TOKEN).json();
        assertThat(usage.get("cost_micros").asLong()).isEqualTo(299_000L);
        assertThat(usage.get("events").asLong()).isEqualTo(3L);

        JsonNode tenant = api.get("/v1/tenants/acme/usage?period=month", ACME_TOKEN).json();
        assertThat(tenant.get("cost_micros").asLong()).as("u03's 299,000 plus u04's rated 400,000 + 800,000")
                .isEqualTo(1_499_000L);
        assertThat(tenant.get("input_tokens").asLong()).isEqualTo(1_000_000L);

        JsonNode byUser = api.get("/v1/tenants/acme/breakdown?by=user&period=day", ACME_TOKEN).json().get("rows");
        assertThat(byUser).hasSize(2);
        assertThat(byUser.get(0).get("user").asText()).isEqualTo("acme-u03");
        assertThat(byUser.get(1).get("cost_micros").asLong()).isEqualTo(1_200_000L);
        JsonNode byModel = api.get("/v1/tenants/acme/breakdown?scope=user:acme-u03&by=model&period=day", ACME_TOKEN).json();
        assertThat(byModel.get("scope").get("id").asText()).isEqualTo("acme-u03");
        assertThat(byModel.get("rows").findValuesAsText("model")).containsExactly("gpt-4.1-mini");
        assertThat(byModel.get("rows").get(0).get("cost_micros").asLong()).isEqualTo(299_000L);

        // a day in Asia/Kolkata (UTC+05:30) starts on a half hour, which the quarter-hour rows answer
        JsonNode kolkata = api.get("/v1/tenants/acme/usage?period=day&time_zone=Asia/Kolkata", ACME_TOKEN).json();
        assertThat(kolkata.get("period_start").asText()).endsWith(":30:00.000Z");
        assertThat(kolkata.get("as_of").get("offset").asLong()).isGreaterThanOrEqualTo(lastEvent.offset());

        JsonNode status = api.get("/v1/tenants/acme/status?scope=user:acme-u03", ACME_TOKEN).json().get("budgets").get(0);
        assertThat(status.get("used").asLong()).isEqualTo(299_000L);
        assertThat(status.get("remaining").asLong()).isEqualTo(1_000L);
        assertThat(status.get("breached_thresholds").toString()).isEqualTo("[50,80]");
        assertThat(status.get("warn_at").asLong()).isEqualTo(240_000L);
        assertThat(status.get("late_adjustment").asLong()).isZero();
        assertThat(status.get("display").get("used").asText()).isEqualTo("$0.30"); // 299,000 micro-units, to the cent
        assertThat(status.get("days_remaining").asLong()).isBetween(0L, 1L);
        JsonNode rollUp = api.get("/v1/tenants/acme/status?scope=user:acme-u03", ACME_TOKEN).json();
        assertThat(rollUp.get("usage_status").asText()).as("past the 80 % soft limit").isEqualTo("warning");
        assertThat(rollUp.get("warning").toString()).isEqualTo("[\"acme-user-each-day-cost\"]");
        assertThat(rollUp.get("highest_pct").decimalValue()).isEqualByComparingTo("99.67");
        JsonNode spent = api.get("/v1/tenants/acme/status?scope=user:acme-u04", ACME_TOKEN).json();
        assertThat(spent.get("usage_status").asText()).isEqualTo("limit_reached");
        assertThat(spent.get("exceeded").toString()).contains("acme-user-each-day-cost");

        // late usage: in its own day in the reports, and in today's budget as a late adjustment
        Instant lateDay = hour.minus(Duration.ofDays(40)).truncatedTo(ChronoUnit.DAYS);
        JsonNode lateUsage = api.get("/v1/tenants/acme/usage?scope=user:acme-u07&from=" + lateDay + "&to=" + lateDay.plus(Duration.ofDays(1)),
                ACME_TOKEN).json();
        assertThat(lateUsage.get("cost_micros").asLong()).isEqualTo(100_000L);
        JsonNode lateStatus = api.get("/v1/tenants/acme/status?scope=user:acme-u07", ACME_TOKEN).json().get("budgets").get(0);
        assertThat(lateStatus.get("used").asLong()).isEqualTo(100_000L);
        assertThat(lateStatus.get("late_adjustment").asLong()).isEqualTo(100_000L);
        assertThat(lateStatus.get("breached_thresholds").toString()).isEqualTo("[]");

        JsonNode breaches = api.get("/v1/tenants/acme/breaches", ACME_TOKEN).json().get("breaches");
        List<String> seen = StreamSupport.stream(breaches.spliterator(), false)
                .map(b -> b.get("subject").get("id").asText() + "@" + b.get("threshold").asInt()).sorted().toList();
        assertThat(seen).containsExactly("acme-u03@50", "acme-u03@80", "acme-u04@100", "acme-u04@50", "acme-u04@80");
    }

    @Test
    void shouldServeTrendsAndThePolicyListAndDeleteAPolicy() {
        awaitApplied();
        String from = hour.truncatedTo(ChronoUnit.DAYS).minus(1, ChronoUnit.DAYS).toString();
        String to = hour.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS).toString();
        JsonNode trend = api.get("/v1/tenants/acme/trends?scope=user:acme-u03&interval=day&from=" + from + "&to=" + to, ACME_TOKEN)
                .json().get("rows");
        assertThat(trend).hasSize(2);
        assertThat(trend.get(0).get("cost_micros").asLong()).as("yesterday").isZero();
        assertThat(trend.get(1).get("cost_micros").asLong()).as("today").isEqualTo(299_000L);

        String temporary = USER_DAY.replace("acme-user-each-day-cost", "acme-temporary").replace("\"limit\": 300000", "\"limit\": 7");
        assertThat(api.put("/v1/policies/acme-temporary", ADMIN_TOKEN, temporary).status()).isEqualTo(200);
        assertThat(api.get("/v1/tenants/acme/policies", ACME_TOKEN).json().get("policies").findValuesAsText("policy_id"))
                .contains("acme-temporary", "acme-user-each-day-cost");
        Api.Response deleted = api.delete("/v1/policies/acme-temporary", ADMIN_TOKEN);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(api.get("/v1/policies/acme-temporary", ADMIN_TOKEN).status()).isEqualTo(404);
        assertThat(api.delete("/v1/policies/acme-temporary", ADMIN_TOKEN).status()).isEqualTo(404);
        Api.Response badSoft = api.put("/v1/policies/acme-temporary", ADMIN_TOKEN, temporary.replace("\"soft_limit_pct\": 80",
                "\"soft_limit\": 8"));
        assertThat(badSoft.status()).isEqualTo(400);
        assertThat(badSoft.json().get("error").get("field").asText()).isEqualTo("soft_limit");
    }

    @Test
    void shouldKeepTenantsApartAndRequireTokens() {
        assertThat(api.get("/v1/tenants/acme/usage", null).status()).isEqualTo(401);
        assertThat(api.get("/v1/tenants/acme/usage", "not-a-token").status()).isEqualTo(401);
        Api.Response foreign = api.get("/v1/tenants/acme/usage", GLOBEX_TOKEN);
        assertThat(foreign.status()).isEqualTo(403);
        assertThat(foreign.json().get("error").get("code").asText()).isEqualTo("forbidden");
        assertThat(api.post("/v1/check", GLOBEX_TOKEN, check("acme-u03", "\"cost_micros\": 1", null)).status()).isEqualTo(403);
        assertThat(api.put("/v1/policies/acme-x", ACME_TOKEN, USER_DAY.replace("acme-user-each-day-cost", "acme-x")).status())
                .as("only admins change policies").isEqualTo(403);
        assertThat(api.get("/v1/policies/acme-user-each-day-cost", GLOBEX_TOKEN).status()).isEqualTo(403);
        assertThat(api.get("/v1/policies/acme-user-each-day-cost", ACME_TOKEN).status()).isEqualTo(200);
    }

    @Test
    void shouldSayHowFarBehindEachPartIsAndCountTheTenantsRejectedEventsByReason() throws Exception {
        // Given two events the ledger rejects (negative tokens) and one it counts, produced within the service clock's hour
        // (a rejection counts on the UTC day of its record's timestamp; the service's day is its clock's)
        RecordMetadata counted = ServiceFixture.publish(cluster, usageTopic, List.of(event("e-neg-1", "acme-u05", 6, null, 0, -1),
                event("e-neg-2", "acme-u05", 7, null, -5, 0), event("e-health", "acme-u05", 8, 1L, 0, 0)), hour.plusSeconds(9));
        Await.until(() -> api.get("/v1/tenants/acme/usage?period=month&min_offset=" + counted.offset(), ACME_TOKEN).status() == 200,
                Duration.ofSeconds(30), "the counted event to reach the reports");

        // Then the tenant's health counts them by reason and says where each part is
        JsonNode health = api.get("/v1/tenants/acme/health", ACME_TOKEN).json();
        assertThat(health.get("rejected").get("by_reason")).hasSize(1);
        assertThat(health.get("rejected").get("by_reason").get(0).get("reason").asText()).isEqualTo("negative_count");
        assertThat(health.get("rejected").get("by_reason").get(0).get("count").asLong()).isEqualTo(2);
        assertThat(health.get("rejected").get("total").asLong()).isEqualTo(2);
        assertThat(health.get("enforcement").get("applied_offset").asLong()).isGreaterThanOrEqualTo(counted.offset());
        assertThat(health.get("enforcement").get("behind_records").asLong()).isNotNegative();
        assertThat(health.get("reporting").get("applied_offset").asLong()).isGreaterThanOrEqualTo(counted.offset());
        assertThat(health.get("as_of").get("partition").asInt()).isEqualTo(health.get("partition").asInt());
        assertThat(api.get("/v1/tenants/acme/health?days=0", ACME_TOKEN).status()).isEqualTo(400);
        assertThat(api.get("/v1/tenants/acme/health", GLOBEX_TOKEN).status()).isEqualTo(403);
    }

    @Test
    void shouldSayWhomATokenSpeaksForAndServeTheDashboardsFilesWithoutOne() {
        JsonNode admin = api.get("/v1/me", ADMIN_TOKEN).json();
        assertThat(admin.get("admin").asBoolean()).isTrue();
        assertThat(admin.has("tenant_id")).as("an admin speaks for any tenant").isFalse();
        JsonNode acme = api.get("/v1/me", ACME_TOKEN).json();
        assertThat(acme.get("admin").asBoolean()).isFalse();
        assertThat(acme.get("tenant_id").asText()).isEqualTo("acme");
        assertThat(acme.get("tenants").toString()).isEqualTo("[\"acme\"]");
        assertThat(api.get("/v1/me", null).status()).isEqualTo(401);

        // the page and its files carry no data: they need no token, and every figure comes from the API with one
        Api.Response page = api.get("/ui", null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<script src=\"/ui/app.js\"").contains("/ui/app.css");
        assertThat(api.get("/ui/", null).body()).isEqualTo(page.body());
        assertThat(api.get("/ui/app.js", null).body()).contains("sessionStorage").doesNotContain("localStorage.setItem");
        assertThat(api.get("/ui/app.css", null).status()).isEqualTo(200);
        assertThat(api.get("/ui/other.js", null).status()).as("nothing else under /ui is open").isEqualTo(401);
    }

    @Test
    void shouldWaitForTheCallersOwnWriteAndSayWhenItIsNotApplied() {
        Api.Response late = api.post("/v1/check", ACME_TOKEN, check("acme-u03", "\"cost_micros\": 1", lastEvent.offset() + 1_000));

        assertThat(late.status()).isEqualTo(503);
        assertThat(late.json().get("error").get("code").asText()).isEqualTo("not_yet_applied");
        assertThat(late.json().get("error").get("field").asText()).isEqualTo("min_offset");
        assertThat(late.json().get("retry_after_ms").asLong()).isPositive();
    }

    @Test
    void shouldServeThePriceHistoryAndThePolicy() {
        JsonNode prices = api.get("/v1/prices/openai/gpt-4.1-mini", ACME_TOKEN).json();
        assertThat(prices.get("history").get(0).get("output_micros_per_mtok").asLong()).isEqualTo(1_600_000L);
        assertThat(prices.get("history").get(0).get("effective_from").asText()).isEqualTo("2026-01-01T00:00:00.000Z");

        JsonNode policy = api.get("/v1/policies/acme-user-each-day-cost", ADMIN_TOKEN).json();
        assertThat(policy.get("period").get("time_zone").asText()).isEqualTo("America/New_York");
        assertThat(policy.get("thresholds").toString()).isEqualTo("[50,80,100]");
    }

    @ParameterizedTest(name = "{0} {1} -> {3} {4} {5}")
    @CsvSource(delimiter = '|', textBlock = """
            POST | /v1/check          | {"tenant_id": "acme",                                  | 400 | malformed_json | 
            POST | /v1/check          | {"user_id": "u1"}                                      | 400 | invalid_field  | tenant_id
            POST | /v1/check          | {"tenant_id": "acme", "colour": "red"}                 | 400 | unknown_field  | colour
            POST | /v1/check          | {"tenant_id": 7}                                       | 400 | invalid_field  | tenant_id
            POST | /v1/check          | {"tenant_id": "acme", "estimate": {"cost_micros": 1.5}} | 400 | invalid_field | estimate.cost_micros
            POST | /v1/check          | {"tenant_id": "acme", "estimate": {"requests": -1}}    | 400 | invalid_field  | estimate.requests
            POST | /v1/check          | {"tenant_id": "acme", "estimate": {"cost_micros": "5"}} | 400 | invalid_field | estimate.cost_micros
            POST | /v1/check          | {"tenant_id": "acme", "billing_scope": "org"}          | 400 | invalid_field  | billing_scope
            POST | /v1/check          | {"tenant_id": "acme", "billing_scope": "user"}         | 400 | invalid_field  | billing_scope
            POST | /v1/holds          | {"tenant_id": "acme", "hold_id": "h-bad", "billing_scope": "me"} | 400 | invalid_field | billing_scope
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "tenant", "id": "acme"}, "metric": "cost_micros", "limit": 5, "period": {"kind": "day"}, "filters": {"billing_scopes": ["org"]}} | 400 | invalid_field | filters.billing_scopes[0]
            POST | /v1/check          | []                                                     | 400 | invalid_field  | 
            POST | /v1/check          | null                                                   | 400 | missing_body   | 
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros", "limit": -5, "period": {"kind": "day"}} | 400 | invalid_field | limit
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros", "limit": 5, "period": {"kind": "day", "time_zone": "Mars/Olympus"}} | 400 | invalid_field | period.time_zone
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros", "limit": 1000000000000001, "period": {"kind": "day"}} | 400 | invalid_field | limit
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros", "limit": 9223372036854775807, "period": {"kind": "day"}} | 400 | invalid_field | limit
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros", "period": {"kind": "day"}} | 400 | invalid_field | limit
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros", "limit": 5, "unlimited": true, "period": {"kind": "day"}} | 400 | invalid_field | limit
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros", "unlimited": true, "thresholds": [50], "period": {"kind": "day"}} | 400 | invalid_field | thresholds
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros", "limit": 5, "period": {"kind": "day"}, "thresholds": [50, 1001]} | 400 | invalid_field | thresholds[1]
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "dollars", "limit": 5, "period": {"kind": "day"}} | 400 | invalid_field | metric
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros", "limit": 5, "period": {"kind": "day"}, "thresholds": [0]} | 400 | invalid_field | thresholds[0]
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros", "limit": 5, "period": {"kind": "day"}, "soft_limit_pct": 120} | 400 | invalid_field | soft_limit_pct
            PUT  | /v1/policies/p1    | {"tenant_id": "acme", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros", "limit": 5, "period": {"kind": "rolling", "duration": "a minute"}} | 400 | invalid_field | period.duration
            PUT  | /v1/prices/openai/m1 | {"effective_from": "yesterday", "currency": "USD", "input_micros_per_mtok": 1, "output_micros_per_mtok": 1} | 400 | invalid_field | effective_from
            GET  | /v1/tenants/acme/usage?period=fortnight | | 400 | invalid_field | period
            GET  | /v1/tenants/acme/usage?scope=planet:earth | | 400 | invalid_field | scope
            GET  | /v1/tenants/acme/usage?at=noon | | 400 | invalid_field | at
            GET  | /v1/tenants/acme/usage?period=day&time_zone=America/New_York&at=1880-06-01T12:00:00Z | | 400 | invalid_field | time_zone
            GET  | /v1/tenants/acme/breakdown?scope=user:acme-u03&by=user | | 400 | invalid_field | by
            GET  | /v1/tenants/acme/trends?interval=year | | 400 | invalid_field | interval
            GET  | /v1/tenants/acme/breaches?limit=0 | | 400 | invalid_field | limit
            GET  | /v1/nothing-here   |                                                        | 404 | not_found      | 
            """)
    void shouldAnswerBadInputWithA4xxNamingTheField(String method, String path, String body, int status, String code, String field) {
        Api.Response response = api.send(method, path, ADMIN_TOKEN, body);

        assertThat(response.status()).as(response.body()).isEqualTo(status);
        JsonNode error = response.json().get("error");
        assertThat(error.get("code").asText()).as(response.body()).isEqualTo(code);
        assertThat(error.get("message").asText()).isNotBlank();
        if (field != null) {
            assertThat(error.get("field").asText()).as(response.body()).isEqualTo(field);
        }
    }

    @Test
    void shouldRefuseAnOversizedBodyWith413() {
        String huge = "{\"tenant_id\": \"acme\", \"user_id\": \"" + "x".repeat(100_000) + "\"}";

        Api.Response response = api.post("/v1/check", ACME_TOKEN, huge);

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.json().get("error").get("code").asText()).isEqualTo("body_too_large");
    }

    @Test
    void shouldSurviveThousandsOfMalformedRequestsWithoutAServerError() {
        Random random = new Random(20261123);
        // tenant fuzzco, so that whatever the mutations manage to write cannot touch acme's figures
        String[] bodies = {check("acme-u03", "\"cost_micros\": 1", null).replace("acme", "fuzzco"),
                USER_DAY.replace("acme", "fuzzco"), PRICE};
        String[][] targets = {{"POST", "/v1/check"}, {"PUT", "/v1/policies/fuzz"}, {"PUT", "/v1/prices/openai/fuzz"},
                {"GET", "/v1/tenants/fuzzco/usage"}, {"GET", "/v1/tenants/fuzzco/status"}, {"DELETE", "/v1/policies/fuzz"}};
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (int i = 0; i < 2_000; i++) {
            String[] target = targets[random.nextInt(targets.length)];
            String body = target[0].equals("GET") || target[0].equals("DELETE") ? null : Fuzz.mutate(bodies[random.nextInt(bodies.length)], random);
            String path = target[0].equals("GET") ? target[1] + "?" + Fuzz.query(random) : target[1];
            Api.Response response = api.send(target[0], path, ADMIN_TOKEN, body);
            statuses.merge(response.status(), 1, Integer::sum);
            assertThat(response.status()).as("%s %s with %s -> %s", target[0], path, body, response.body()).isLessThan(500);
        }
        System.out.println("[fuzz] 2000 malformed requests answered with statuses " + statuses);
        assertThat(api.get("/health", null).status()).isEqualTo(200);
        assertThat(api.post("/v1/check", ACME_TOKEN, check("acme-u03", "\"cost_micros\": 1", null)).status()).isEqualTo(200);
    }

    @Test
    void shouldAnswerInTheShapesTheServedOpenApiDocumentDescribes() throws Exception {
        JsonNode schemas = new ObjectMapper(new YAMLFactory()).readTree(api.get("/openapi.yaml", null).body())
                .get("components").get("schemas");
        JsonNode answer = api.post("/v1/check", ACME_TOKEN, check("acme-u03", "\"cost_micros\": 1500", lastEvent.offset())).json();

        assertThat(fields(answer)).isSubsetOf(fields(schemas.get("CheckResponse").get("properties")))
                .contains("decision", "reasons", "unpriced", "budgets", "as_of");
        assertThat(fields(answer.get("budgets").get(0))).isSubsetOf(fields(schemas.get("Budget").get("properties")))
                .contains("policy_id", "subject", "period_start", "period_end", "used", "held", "limit", "remaining", "pct_after");
        JsonNode usage = api.get("/v1/tenants/acme/usage?min_offset=" + lastEvent.offset(), ACME_TOKEN).json(); // once the reports have it all
        // every field the schema lists, but stale (only when true) and those null here (no latency was reported)
        assertThat(fields(usage)).isEqualTo(fields(schemas.get("Totals").get("properties")).stream()
                .filter(f -> !f.equals("stale") && !f.equals("latency_ms_avg")).toList());
    }

    @Test
    void shouldBeReadyAndExposeStreamsAndCheckMetrics() {
        assertThat(api.get("/ready", null).status()).isEqualTo(200);
        api.post("/v1/check", ACME_TOKEN, check("acme-u03", "\"cost_micros\": 1", null));

        String metrics = api.get("/metrics", null).body();

        assertThat(metrics).contains("ledger_check_decision_seconds_bucket", "kafka_stream_", "jvm_memory_used_bytes");
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Until enforcement and reporting have both applied the last event published. */
    private void awaitApplied() {
        assertThat(api.post("/v1/check", ACME_TOKEN, check("acme-u03", "\"cost_micros\": 0", lastEvent.offset())).status())
                .isEqualTo(200);
        Await.until(() -> api.get("/v1/tenants/acme/usage?min_offset=" + lastEvent.offset(), ACME_TOKEN).status() == 200,
                Duration.ofSeconds(60), "the reporting part to apply the last event");
    }

    private static String check(String user, String estimate, Long minOffset) {
        return "{\"tenant_id\": \"acme\", \"user_id\": \"" + user + "\", \"team_ids\": [\"acme-platform\"], \"api_key_id\": \"acme-k07\","
                + " \"provider\": \"openai\", \"model\": \"gpt-4.1-mini\", \"feature\": \"codegen\","
                + " \"endpoint\": \"/v1/chat/completions\", \"estimate\": {" + estimate + "}"
                + (minOffset == null ? "" : ", \"min_offset\": " + minOffset) + "}";
    }

    private UsageEvent event(String id, String user, int second, Long cost, long input, long output) {
        return UsageEvent.newBuilder().setEventId(id).setTenantId("acme").setOccurredAt(hour.plusSeconds(second))
                .setTeamIds(List.of("acme-platform")).setUserId(user).setProvider("openai").setModel("gpt-4.1-mini")
                .setCostMicros(cost).setInputTokens(input).setOutputTokens(output).setRequests(1).setStatus(UsageStatus.ok).build();
    }
}
