package dev.usageledger.query.http;

import dev.usageledger.query.state.LedgerState;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@code /health} (the process and its topology are alive), {@code /ready} (the local state is
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
                .get("/openapi.yaml", this::openApi);
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
