package dev.usageledger.query.http;

import dev.usageledger.streams.decision.InvalidInputException;
import dev.usageledger.query.holds.ReservationDesk;
import dev.usageledger.query.state.BookWriter;
import dev.usageledger.query.state.Checks;
import dev.usageledger.query.state.LedgerState;
import dev.usageledger.query.state.ReportState;
import dev.usageledger.query.state.Reports;
import dev.usageledger.query.state.StateUnavailableException;
import dev.usageledger.query.state.UsageWriter;
import dev.usageledger.query.webhooks.Webhooks;
import io.helidon.webserver.http.HttpRouting;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every route of the API in one place, with authentication and the mapping of failures to
 * statuses and the error envelope: 4xx for what the caller must change, 503 with a retry hint
 * for what will pass, 500 (logged, with no internals in the answer) for the ledger's own bugs.
 */
public final class LedgerRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerRoutes.class);

    private LedgerRoutes() {
    }

    /** Adds every route to {@code routing}; answers the endpoints added, as {@code "METHOD /path"}. */
    public static List<String> routes(HttpRouting.Builder routing, LedgerState state, ReportState reports, BookWriter writer,
                                      ReservationDesk desk, UsageWriter usage, IngestSettings ingest, Webhooks webhooks,
                                      Auth auth, ApiSettings settings, PrometheusMeterRegistry metrics) {
        TenantRouter router = new TenantRouter(state, reports, new Forwarder(settings.forwardTimeout()), settings.readWait());
        Timer decisions = Timer.builder("ledger.check.decision").description("The check decision over local state")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(1_000)).maximumExpectedValue(Duration.ofMillis(100))
                .register(metrics);
        routing.addFilter(new Callers(auth));
        RouteTable table = new RouteTable(routing);
        new OpsHandlers(state, metrics).register(table);
        Checks checks = new Checks(state);
        new CheckHandlers(checks, router, settings, decisions).register(table);
        new HoldHandlers(state, checks, writer, desk, router, settings).register(table);
        new ReportHandlers(new Reports(state), router, settings).register(table);
        new BookHandlers(state, writer, settings).register(table);
        new DirectoryHandlers(state, writer, settings).register(table);
        new IngestHandlers(usage, ingest, settings, metrics).register(table);
        new WebhookHandlers(webhooks, settings).register(table);
        new HealthHandlers(state, reports, router, settings, usage.topic()).register(table);
        new UiHandlers().register(table);
        routing.any((request, response) -> {
            throw ApiException.notFound("no endpoint " + request.prologue().method().text() + " " + request.path().path());
        });
        routing.error(ApiException.class, (request, response, e) -> Exchange.sendError(response, e))
                .error(InvalidInputException.class, (request, response, e) -> Exchange.sendError(response,
                        ApiException.invalid(e.field(), e.getMessage())))
                .error(StateUnavailableException.class, (request, response, e) -> Exchange.sendError(response,
                        ApiException.unavailable(e.getMessage(), e.retryAfterMs())))
                .error(InvalidStateStoreException.class, (request, response, e) -> Exchange.sendError(response,
                        ApiException.unavailable("the local state is moving (rebalance): " + e.getMessage(), 1_000)))
                .error(Exception.class, (request, response, e) -> {
                    LOG.error("internal error answering {} {}", request.prologue().method().text(), request.path().path(), e);
                    Exchange.sendError(response, new ApiException(500, "internal", "the ledger failed to answer; this is a bug, "
                            + "the error is in its log", null, null));
                });
        return table.endpoints();
    }
}
