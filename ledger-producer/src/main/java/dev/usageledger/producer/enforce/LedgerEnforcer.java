package dev.usageledger.producer.enforce;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A sidecar's view of the ledger: checks and holds before a metered call, each answered within a
 * deadline. When the ledger answers, its decision stands. When it cannot (down, unreachable, 5xx,
 * 503 while a partition moves, or later than the deadline), the {@link FailMode} decides, and the
 * verdict says so. A request the ledger refuses as wrong (4xx) throws
 * {@link EnforcementRequestException}: no fail mode hides a bad token or a bad field.
 *
 * <pre>{@code
 * try (LedgerEnforcer ledger = LedgerEnforcer.builder(URI.create("http://ledger:8080"), token)
 *         .deadline(Duration.ofMillis(100)).failMode(FailMode.OPEN).build()) {
 *     Verdict verdict = ledger.hold(Call.forTenant("acme").withUser("u1").withCost(15_000), "req-8f1c", Duration.ofMinutes(10));
 *     if (!verdict.allowed()) { ... refuse with verdict.message() ... }
 * }
 * }</pre>
 *
 * <p>Thread-safe; one instance per service, over one HTTP client.
 */
public final class LedgerEnforcer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI api;
    private final String authorization;
    private final Duration deadline;
    private final FailMode failMode;
    private final HttpClient http;
    private final LongAdder allowed = new LongAdder();
    private final LongAdder warned = new LongAdder();
    private final LongAdder denied = new LongAdder();
    private final LongAdder failedOpen = new LongAdder();
    private final LongAdder failedClosed = new LongAdder();
    private final LongAdder timedOut = new LongAdder();
    private final AtomicLongArray latencyBuckets = new AtomicLongArray(64); // bucket b: round trips of at most 2^b microseconds

    private LedgerEnforcer(Builder builder) {
        this.api = builder.api;
        this.authorization = "Bearer " + builder.token;
        this.deadline = builder.deadline;
        this.failMode = builder.failMode;
        this.http = HttpClient.newBuilder().connectTimeout(deadline).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** An enforcer of the ledger's API at {@code api} (e.g. {@code http://ledger:8080}) with a bearer token. */
    public static Builder builder(URI api, String token) {
        return new Builder(api, token);
    }

    /** Settings of an enforcer; defaults: a 250 ms deadline, fail closed. */
    public static final class Builder {
        private final URI api;
        private final String token;
        private Duration deadline = Duration.ofMillis(250);
        private FailMode failMode = FailMode.CLOSED;

        private Builder(URI api, String token) {
            this.api = Objects.requireNonNull(api, "api");
            this.token = Objects.requireNonNull(token, "token");
        }

        /** How long a check or hold may take, connection included, before the fail mode answers. */
        public Builder deadline(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("deadline must be positive, got " + value);
            }
            this.deadline = value;
            return this;
        }

        public Builder failMode(FailMode value) {
            this.failMode = Objects.requireNonNull(value, "failMode");
            return this;
        }

        public LedgerEnforcer build() {
            return new LedgerEnforcer(this);
        }
    }

    /** May this call proceed? {@code POST /v1/check}. */
    public Verdict check(Call call) {
        return ask("/v1/check", call.body(), null);
    }

    /**
     * Reserves the call's estimate on every budget that governs it, or refuses it: {@code POST /v1/holds}.
     * Retrying with the same {@code holdId} gets the first answer, so a verdict from the fail mode
     * can be asked again.
     */
    public Verdict hold(Call call, String holdId, Duration ttl) {
        Map<String, Object> body = call.body();
        body.put("hold_id", Objects.requireNonNull(holdId, "holdId"));
        body.put("ttl_ms", ttl.toMillis());
        return ask("/v1/holds", body, holdId);
    }

    /**
     * Releases a hold whose call did not happen: {@code DELETE /v1/holds/{id}}. Usage that names the
     * hold settles it anyway, and an unsettled hold expires at its ttl, so a failure here only
     * keeps the reservation until then.
     *
     * @return whether the ledger voided it now
     */
    public boolean release(String tenantId, String holdId) {
        URI uri = api.resolve("/v1/holds/" + URLEncoder.encode(holdId, StandardCharsets.UTF_8) + "?tenant_id="
                + URLEncoder.encode(tenantId, StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(deadline).header("Authorization", authorization).DELETE().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A snapshot of the counters. */
    public EnforcerMetrics metrics() {
        long count = 0;
        for (int b = 0; b < 64; b++) {
            count += latencyBuckets.get(b);
        }
        return new EnforcerMetrics(allowed.sum(), warned.sum(), denied.sum(), failedOpen.sum(), failedClosed.sum(), timedOut.sum(),
                percentileMicros(count, 0.50), percentileMicros(count, 0.99), percentileMicros(count, 1.0));
    }

    private Verdict ask(String path, Map<String, Object> body, String holdId) {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the call cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
        HttpRequest request = HttpRequest.newBuilder(api.resolve(path)).timeout(deadline).header("Authorization", authorization)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(json)).build();
        long started = System.nanoTime();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            timedOut.increment();
            return failed("no answer within " + deadline.toMillis() + " ms");
        } catch (IOException e) {
            return failed("the ledger cannot be reached: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted while waiting for the ledger");
        }
        int status = response.statusCode();
        if (status >= 500) {
            return failed("the ledger answered " + status + ": " + errorMessage(response.body()));
        }
        JsonNode answer = read(response.body());
        if (status >= 400) {
            JsonNode error = answer.path("error");
            throw new EnforcementRequestException(status, error.path("code").asText("http_" + status),
                    error.hasNonNull("field") ? error.get("field").asText() : null, error.path("message").asText("(no message)"));
        }
        recordLatency(System.nanoTime() - started);
        Verdict.Decision decision = Verdict.Decision.valueOf(answer.path("decision").asText("deny").toUpperCase(Locale.ROOT));
        switch (decision) {
            case ALLOW -> allowed.increment();
            case WARN -> warned.increment();
            case DENY -> denied.increment();
        }
        boolean held = holdId != null && answer.path("hold").hasNonNull("hold_id");
        if (answer.path("degraded").asBoolean(false)) { // the ledger could not decide; the call's budgets all fail open
            return new Verdict(decision, Verdict.Source.POLICY_FAIL_OPEN, answer.path("message").asText(null), null, answer);
        }
        return new Verdict(decision, Verdict.Source.LEDGER, null, held ? holdId : null, answer);
    }

    private Verdict failed(String why) {
        if (failMode == FailMode.OPEN) {
            failedOpen.increment();
            return new Verdict(Verdict.Decision.ALLOW, Verdict.Source.FAIL_OPEN, why + "; allowed (fail open)", null, null);
        }
        failedClosed.increment();
        return new Verdict(Verdict.Decision.DENY, Verdict.Source.FAIL_CLOSED, why + "; refused (fail closed)", null, null);
    }

    private static JsonNode read(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static String errorMessage(byte[] body) {
        JsonNode error = read(body).path("error");
        return error.path("message").asText(new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8));
    }

    private void recordLatency(long nanos) {
        long micros = Math.max(1, nanos / 1_000);
        latencyBuckets.incrementAndGet(Math.min(63, 64 - Long.numberOfLeadingZeros(micros - 1)));
    }

    private long percentileMicros(long count, double quantile) {
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * count));
        long seen = 0;
        for (int b = 0; b < 64; b++) {
            seen += latencyBuckets.get(b);
            if (seen >= rank) {
                return 1L << b;
            }
        }
        return Long.MAX_VALUE;
    }

    @Override
    public void close() {
        http.close();
    }
}
