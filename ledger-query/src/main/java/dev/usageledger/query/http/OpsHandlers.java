package dev.usageledger.query.http;

import dev.usageledger.query.state.LedgerState;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@code /v1/me} (whom a token speaks for), {@code /health} (the process and its topology are alive), {@code /ready} (the local state is
 * restored and running: send traffic), {@code /metrics} (Prometheus) and {@code /openapi.yaml}.
 */
final class OpsHandlers {
    private final LedgerState state;
    private final PrometheusMeterRegistry metrics;
    private final byte[] openApi;

    OpsHandlers(LedgerState state, PrometheusMeterRegistry metrics) {
        this.state = state;
        this.metrics = metrics;
        try (InputStream in = OpsHandlers.class.getResourceAsStream("/openapi.yaml")) {
            this.openApi = in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void register(RouteTable routing) {
        routing.get("/health", this::health)
                .get("/ready", this::ready)
                .get("/metrics", this::metrics)
                .get("/openapi.yaml", this::openApi)
                .get("/v1/me", this::me);
    }

    /** Whom the bearer token speaks for: an admin (any tenant), or its tenants; the dashboard signs in with it. */
    private void me(ServerRequest request, ServerResponse response) {
        Caller caller = Callers.of(request);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("admin", caller.admin());
        List<String> tenants = caller.tenants().stream().sorted().toList();
        if (!caller.admin() && !tenants.isEmpty()) {
            answer.put("tenant_id", tenants.getFirst());
        }
        answer.put("tenants", tenants);
        Exchange.send(response, 200, answer);
    }

    private void health(ServerRequest request, ServerResponse response) {
        KafkaStreams.State streams = state.streamsState();
        boolean alive = streams != KafkaStreams.State.ERROR && streams != KafkaStreams.State.NOT_RUNNING
                && streams != KafkaStreams.State.PENDING_ERROR;
        Exchange.send(response, alive ? 200 : 503, Map.of("status", alive ? "up" : "down", "streams", streams.name()));
    }

    private void ready(ServerRequest request, ServerResponse response) {
        KafkaStreams.State streams = state.streamsState();
        if (streams == KafkaStreams.State.RUNNING) {
            Exchange.send(response, 200, Map.of("status", "ready", "streams", streams.name()));
        } else {
            Exchange.sendError(response, ApiException.unavailable("the local state is " + streams.name()
                    + "; ready once restored and running", 1_000));
        }
    }

    private void metrics(ServerRequest request, ServerResponse response) {
        response.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        response.send(metrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void openApi(ServerRequest request, ServerResponse response) {
        response.header(HeaderNames.CONTENT_TYPE, "application/yaml");
        response.send(openApi);
    }
}
