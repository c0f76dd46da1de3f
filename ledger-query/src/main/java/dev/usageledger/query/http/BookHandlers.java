package dev.usageledger.query.http;

import dev.usageledger.query.api.PolicyBody;
import dev.usageledger.query.api.PriceBody;
import dev.usageledger.query.api.Views;
import dev.usageledger.query.state.BookWriter;
import dev.usageledger.query.state.LedgerState;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.PriceChange;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Policies and prices: validated, written to their compacted topics, and answered 200 once the
 * answering instance's book holds the change (202 when it was written but not yet applied in time).
 */
final class BookHandlers {
    private final LedgerState state;
    private final BookWriter writer;
    private final ApiSettings settings;

    BookHandlers(LedgerState state, BookWriter writer, ApiSettings settings) {
        this.state = state;
        this.writer = writer;
        this.settings = settings;
    }

    void register(RouteTable routing) {
        routing.put("/v1/policies/{id}", this::putPolicy)
                .get("/v1/policies/{id}", this::getPolicy)
                .delete("/v1/policies/{id}", this::deletePolicy)
                .get("/v1/tenants/{tenant}/policies", this::listPolicies)
                .put("/v1/prices/{provider}/{model}", this::putPrice)
                .get("/v1/prices/{provider}/{model}", this::getPrices);
    }

    private void putPolicy(ServerRequest request, ServerResponse response) {
        Callers.of(request).requireAdmin();
        String id = request.path().pathParameters().get("id");
        PolicyBody body = Json.read(Exchange.body(request, settings.maxBodyBytes()), PolicyBody.class);
        BudgetPolicy policy = body.toPolicy(id, settings.clock().instant(), settings.defaultWarnPct());
        writer.putPolicy(policy);
        boolean applied = awaitBooks(() -> {
            BudgetPolicy stored = state.policies().byId(id);
            return stored != null && Objects.equals(stored.getUpdatedAt(), policy.getUpdatedAt());
        });
        Exchange.send(response, applied ? 200 : 202, Views.policy(policy));
    }

    private void getPolicy(ServerRequest request, ServerResponse response) {
        String id = request.path().pathParameters().get("id");
        BudgetPolicy policy = state.policies().byId(id);
        if (policy == null) {
            throw ApiException.notFound("no policy '" + id + "'");
        }
        Callers.of(request).requireTenant(policy.getTenantId());
        Exchange.send(response, 200, Views.policy(policy));
    }

    private void deletePolicy(ServerRequest request, ServerResponse response) {
        Callers.of(request).requireAdmin();
        String id = request.path().pathParameters().get("id");
        if (state.policies().byId(id) == null) {
            throw ApiException.notFound("no policy '" + id + "'");
        }
        writer.deletePolicy(id);
        boolean applied = awaitBooks(() -> state.policies().byId(id) == null);
        Exchange.send(response, applied ? 200 : 202, Map.of("policy_id", id, "deleted", true));
    }

    private void listPolicies(ServerRequest request, ServerResponse response) {
        String tenant = request.path().pathParameters().get("tenant");
        Callers.of(request).requireTenant(tenant);
        List<Map<String, Object>> policies = state.policies().ofTenant(tenant).stream().map(Views::policy).toList();
        Exchange.send(response, 200, Map.of("policies", policies));
    }

    private void putPrice(ServerRequest request, ServerResponse response) {
        Callers.of(request).requireAdmin();
        String provider = request.path().pathParameters().get("provider");
        String model = request.path().pathParameters().get("model");
        PriceChange price = Json.read(Exchange.body(request, settings.maxBodyBytes()), PriceBody.class).toPriceChange(provider, model);
        writer.putPrice(price);
        boolean applied = awaitBooks(() -> state.prices().history(provider, model).contains(price));
        Exchange.send(response, applied ? 200 : 202, Views.price(price));
    }

    private void getPrices(ServerRequest request, ServerResponse response) {
        Callers.of(request);
        String provider = request.path().pathParameters().get("provider");
        String model = request.path().pathParameters().get("model");
        List<PriceChange> history = state.prices().history(provider, model);
        if (history.isEmpty()) {
            throw ApiException.notFound("no prices for " + provider + "/" + model);
        }
        Exchange.send(response, 200, Map.of("provider", provider, "model", model,
                "history", history.stream().map(Views::price).toList()));
    }

    private boolean awaitBooks(BooleanSupplier applied) {
        try {
            return state.progress().awaitBooks(applied, settings.bookWait());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
