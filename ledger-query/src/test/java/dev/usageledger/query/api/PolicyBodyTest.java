package dev.usageledger.query.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.query.http.Json;
import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.streams.decision.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The budget fields teams write: a name, who wrote it, paused and one-off budgets, soft limits as amounts, the default warning. */
class PolicyBodyTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final String BASE = """
            "tenant_id": "acme", "subject": {"type": "team", "id": "research"}, "metric": "cost_micros", "limit": 1000000000,
            "period": {"kind": "month", "time_zone": "UTC"}""";

    @Test
    void shouldKeepTheNameWhoWroteItAndWhetherItIsPaused() {
        BudgetPolicy policy = policy(BASE + ", \"name\": \"Research Q4\", \"updated_by\": \"ana@acme.example\", \"active\": false");

        assertThat(policy.getName()).isEqualTo("Research Q4");
        assertThat(policy.getUpdatedBy()).isEqualTo("ana@acme.example");
        assertThat(policy.getActive()).isFalse();
        assertThat(policy.getAutoRenew()).isTrue();
    }

    @Test
    void shouldGiveALimitedPolicyWithoutASoftLimitTheDeploymentsDefaultWarning() {
        assertThat(policy(BASE).getSoftLimitPct()).isEqualTo(80);
        assertThat(policy(BASE + ", \"soft_limit_pct\": 95").getSoftLimitPct()).isEqualTo(95);
        BudgetPolicy amount = policy(BASE + ", \"soft_limit\": 750000000");
        assertThat(amount.getSoftLimit()).isEqualTo(750_000_000L);
        assertThat(amount.getSoftLimitPct()).as("an amount replaces the default percentage").isNull();
        assertThat(body(BASE).toPolicy("p", NOW, 0).getSoftLimitPct()).as("default 0: none").isNull();
        assertThat(policy("\"tenant_id\": \"acme\", \"subject\": {\"type\": \"team\", \"id\": \"research\"}, \"metric\": \"cost_micros\","
                + " \"unlimited\": true, \"period\": {\"kind\": \"month\"}").getSoftLimitPct()).isNull();
    }

    @Test
    void shouldTakeTheBroaderScopesABudgetOverrides() {
        assertThat(policy(BASE.replace("\"team\", \"id\": \"research\"", "\"user\", \"id\": \"ana\"")
                + ", \"overrides\": [\"team\", \"tenant\", \"team\"]").getOverrides()).extracting(Enum::name).containsExactly("team", "tenant");
        assertThat(policy(BASE + ", \"overrides\": [\"tenant\"]").getOverrides()).extracting(Enum::name).containsExactly("tenant");
        assertThat(policy(BASE).getOverrides()).isEmpty();
    }

    @Test
    void shouldTakeAOneOffBudgetAsAnIntervalThatDoesNotRenew() {
        BudgetPolicy quarter = policy("""
                "tenant_id": "acme", "subject": {"type": "team", "id": "research"}, "metric": "cost_micros", "limit": 1000000000,
                "period": {"kind": "interval", "anchor": "2026-10-01T00:00:00Z", "every": "P92D"}, "auto_renew": false""");

        assertThat(quarter.getAutoRenew()).isFalse();
        assertThat(quarter.getPeriod().getAnchor()).isEqualTo(Instant.parse("2026-10-01T00:00:00Z"));
    }

    @Test
    void shouldNameEveryNewFieldThatIsWrong() {
        assertField(BASE + ", \"auto_renew\": false", "auto_renew");
        assertField(BASE + ", \"soft_limit\": 2000000000", "soft_limit");
        assertField(BASE + ", \"soft_limit\": -1", "soft_limit");
        assertField(BASE + ", \"soft_limit\": 5, \"soft_limit_pct\": 50", "soft_limit");
        assertField(BASE + ", \"name\": \"" + "x".repeat(201) + "\"", "name");
        assertField(BASE + ", \"name\": \" \"", "name");
        assertField(BASE + ", \"updated_by\": \"\"", "updated_by");
        assertField(BASE + ", \"overrides\": [\"team\"]", "overrides"); // a team's budget overrides the tenant's only
        assertField(BASE.replace("team", "user") + ", \"overrides\": [\"user\"]", "overrides");
        assertField(BASE + ", \"filters\": {\"billing_scopes\": [\"tenant\", \"org\"]}", "filters.billing_scopes[1]");
    }

    @Test
    void shouldFilterABudgetByWhoPays() {
        assertThat(policy(BASE + ", \"filters\": {\"billing_scopes\": [\"tenant\", \"tenant\"]}").getFilters().getBillingScopes())
                .containsExactly(BillingScope.tenant);
        assertThat(policy(BASE).getFilters().getBillingScopes()).as("no filter: every call counts, whoever pays").isEmpty();
    }

    private static void assertField(String fields, String field) {
        assertThatThrownBy(() -> policy(fields)).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(field));
    }

    private static BudgetPolicy policy(String fields) {
        return body(fields).toPolicy("p", NOW, 80);
    }

    private static PolicyBody body(String fields) {
        return Json.read(("{" + fields + "}").getBytes(StandardCharsets.UTF_8), PolicyBody.class);
    }
}
