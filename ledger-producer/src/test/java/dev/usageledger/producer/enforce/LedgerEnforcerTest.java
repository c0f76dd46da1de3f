package dev.usageledger.producer.enforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The enforcer's answers when the ledger cannot give one, against a local HTTP server that
 * answers as a failing ledger would (503, 500, too late, nothing listening) or refuses the
 * request (400). {@code LedgerEnforcerIT} in the service module runs it against a real ledger.
 */
class LedgerEnforcerTest {
    private static final Duration DEADLINE = Duration.ofMillis(150);
    private static final Call CALL = Call.forTenant("acme").withUser("u1").withModel("openai", "gpt-4.1-mini").withCost(1_500);

    private HttpServer server;
    private final AtomicReference<String> lastBody = new AtomicReference<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void shouldApplyTheFailModeWhenTheLedgerAnswers503OrAnError() throws Exception {
        URI api = serve(503, "{\"error\": {\"code\": \"unavailable\", \"message\": \"partition 2 is moving\"}}", 0);
        try (LedgerEnforcer open = enforcer(api, FailMode.OPEN); LedgerEnforcer closed = enforcer(api, FailMode.CLOSED)) {
            Verdict allowed = open.check(CALL);
            Verdict refused = closed.hold(CALL, "h-1", Duration.ofMinutes(1));

            assertThat(allowed.allowed()).isTrue();
            assertThat(allowed.source()).isEqualTo(Verdict.Source.FAIL_OPEN);
            assertThat(allowed.message()).contains("503", "partition 2 is moving", "fail open");
            assertThat(refused.allowed()).isFalse();
            assertThat(refused.source()).isEqualTo(Verdict.Source.FAIL_CLOSED);
            assertThat(refused.holdId()).isNull();
            assertThat(open.metrics().failedOpen()).isEqualTo(1);
            assertThat(closed.metrics().failedClosed()).isEqualTo(1);
            assertThat(closed.metrics().answered()).isZero();
        }
        assertThat(lastBody.get()).contains("\"hold_id\":\"h-1\"", "\"ttl_ms\":60000", "\"cost_micros\":1500");
    }

    @Test
    void shouldApplyTheFailModeWhenTheAnswerComesAfterTheDeadline() throws Exception {
        URI api = serve(200, "{\"decision\": \"deny\"}", 1_000);
        try (LedgerEnforcer open = enforcer(api, FailMode.OPEN)) {
            long started = System.nanoTime();
            Verdict verdict = open.check(CALL);

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(900));
            assertThat(verdict.source()).isEqualTo(Verdict.Source.FAIL_OPEN);
            assertThat(verdict.reason()).contains("no answer within 150 ms");
            assertThat(open.metrics().timedOut()).isEqualTo(1);
        }
    }

    @Test
    void shouldApplyTheFailModeWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // closed again: nothing listens there
        }
        try (LedgerEnforcer closed = enforcer(URI.create("http://127.0.0.1:" + port), FailMode.CLOSED)) {
            Verdict verdict = closed.check(CALL);

            assertThat(verdict.allowed()).isFalse();
            assertThat(verdict.reason()).contains("cannot be reached");
        }
    }

    @Test
    void shouldSayWhenTheLedgerLetACallThroughUndecidedBecauseItsBudgetsFailOpen() throws Exception {
        URI api = serve(200, "{\"decision\": \"allow\", \"reasons\": [\"fail_open\"], \"degraded\": true,"
                + " \"message\": \"allowed undecided: partition 1 is restoring; every budget that would enforce on this call fails open"
                + " (team-day)\", \"budgets\": [{\"policy_id\": \"team-day\", \"fail_open\": true}]}", 0);
        try (LedgerEnforcer closed = enforcer(api, FailMode.CLOSED)) {
            Verdict verdict = closed.hold(CALL, "h-3", Duration.ofMinutes(5));

            assertThat(verdict.allowed()).as("the ledger's answer stands, whatever this client's own mode").isTrue();
            assertThat(verdict.source()).isEqualTo(Verdict.Source.POLICY_FAIL_OPEN);
            assertThat(verdict.holdId()).as("nothing was reserved").isNull();
            assertThat(verdict.reason()).contains("fails open (team-day)");
        }
    }

    @Test
    void shouldKeepTheLedgersOwnAnswerAndCountItsLatency() throws Exception {
        URI api = serve(201, "{\"decision\": \"warn\", \"message\": \"80 % of 'Research Q4' used\", \"hold\": {\"hold_id\": \"h-2\"}}", 0);
        try (LedgerEnforcer closed = enforcer(api, FailMode.CLOSED)) {
            Verdict verdict = closed.hold(CALL.billedToUser(), "h-2", Duration.ofMinutes(5));

            assertThat(verdict.decision()).isEqualTo(Verdict.Decision.WARN);
            assertThat(verdict.source()).isEqualTo(Verdict.Source.LEDGER);
            assertThat(verdict.holdId()).isEqualTo("h-2");
            assertThat(verdict.message()).isEqualTo("80 % of 'Research Q4' used");
            EnforcerMetrics metrics = closed.metrics();
            assertThat(metrics.warned()).isEqualTo(1);
            assertThat(metrics.p99Micros()).isPositive().isEqualTo(metrics.maxMicros());
        }
        assertThat(lastBody.get()).contains("\"billing_scope\":\"user\"");
    }

    @Test
    void shouldThrowWhenTheLedgerRefusesTheRequestItself() throws Exception {
        URI api = serve(400, "{\"error\": {\"code\": \"invalid_field\", \"message\": \"billing_scope 'user' needs user_id\","
                + " \"field\": \"billing_scope\"}}", 0);
        try (LedgerEnforcer open = enforcer(api, FailMode.OPEN)) {
            assertThatThrownBy(() -> open.check(Call.forTenant("acme").billedToUser()))
                    .isInstanceOfSatisfying(EnforcementRequestException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.field()).isEqualTo("billing_scope");
                    })
                    .hasMessageContaining("needs user_id");
            assertThat(open.metrics().failedOpen()).as("a wrong request is not an outage").isZero();
        }
    }

    private static LedgerEnforcer enforcer(URI api, FailMode mode) {
        return LedgerEnforcer.builder(api, "token-0123456789").deadline(DEADLINE).failMode(mode).build();
    }

    private URI serve(int status, String body, long delayMs) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            lastBody.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }
}
