package dev.usageledger.query.http;

import dev.usageledger.query.api.CheckBody;
import dev.usageledger.query.api.Views;
import dev.usageledger.query.state.Checks;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Timer;

/**
 * {@code POST /v1/check}: the pre-flight decision, from the owning instance's state; when that state
 * cannot be read, undecided if every budget of the call fails open ({@link FailOpen}).
 */
final class CheckHandlers {
    private final Checks checks;
    private final TenantRouter router;
    private final ApiSettings settings;
    private final Timer decisionTimer;

    CheckHandlers(Checks checks, TenantRouter router, ApiSettings settings, Timer decisionTimer) {
        this.checks = checks;
        this.router = router;
        this.settings = settings;
        this.decisionTimer = decisionTimer;
    }

    void register(RouteTable routing) {
        routing.post("/v1/check", this::check);
    }

    private void check(ServerRequest request, ServerResponse response) {
        byte[] body = Exchange.body(request, settings.maxBodyBytes());
        CheckBody check = Json.read(body, CheckBody.class);
        Callers.of(request).requireTenant(check.tenantId());
        FailOpen.orElse(() -> router.answer(request, response, check.tenantId(), body, check.minOffset(), stores -> {
            long started = System.nanoTime();
            var decision = checks.decide(check, stores, settings.clock().instant());
            decisionTimer.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            return Views.decision(decision);
        }), check, checks, settings.clock().instant(), response);
    }
}
