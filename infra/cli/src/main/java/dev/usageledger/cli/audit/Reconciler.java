package dev.usageledger.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.usageledger.streams.model.Totals;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Compares the audit's totals with the ledger service's answers for the same scope and span:
 * every scope per UTC month, and the tenant per UTC day, each cut to the audited range.
 */
final class Reconciler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CATCH_UP_SECONDS = 60;
    private static final String[] FIELDS = {"cost_micros", "input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens",
            "requests", "events", "errors", "unpriced"};

    private final HttpClient http = HttpClient.newHttpClient();
    private final URI ledger;
    private final String token;
    private final Instant from;
    private final Instant to;
    private final java.io.PrintWriter log;
    long compared;
    long mismatches;

    Reconciler(URI ledger, String token, Instant from, Instant to, java.io.PrintWriter log) {
        this.log = log;
        this.ledger = ledger;
        this.token = token;
        this.from = from;
        this.to = to;
    }

    void reconcile(AuditReport report, Path out) throws IOException, InterruptedException {
        try (BufferedWriter csv = Files.newBufferedWriter(out.resolve("reconciliation.csv"))) {
            StringBuilder header = new StringBuilder("tenant_id,scope,granularity,period,from,to");
            for (String field : FIELDS) {
                header.append(",audit_").append(field).append(",ledger_").append(field);
            }
            csv.write(header.append(",match\n").toString());
            for (var entry : AuditReport.sorted(report.months).entrySet()) {
                YearMonth month = YearMonth.parse(entry.getKey().period());
                compare(csv, report, entry.getKey(), "month", month.atDay(1), month.plusMonths(1).atDay(1), entry.getValue());
            }
            for (var entry : AuditReport.sorted(report.days).entrySet()) {
                if (entry.getKey().scope().equals("tenant:" + entry.getKey().tenant())) {
                    LocalDate day = LocalDate.parse(entry.getKey().period());
                    compare(csv, report, entry.getKey(), "day", day, day.plusDays(1), entry.getValue());
                }
            }
        }
    }

    private void compare(BufferedWriter csv, AuditReport report, AuditReport.Key key, String granularity, LocalDate start, LocalDate end, Totals audit)
            throws IOException, InterruptedException {
        Instant spanFrom = max(from, start.atStartOfDay().toInstant(ZoneOffset.UTC));
        Instant spanTo = min(to, end.atStartOfDay().toInstant(ZoneOffset.UTC));
        JsonNode answer = usage(key.tenant(), key.scope(), spanFrom, spanTo, report.lastCounted.get(key.tenant()));
        Map<String, Long> ours = Map.of("cost_micros", audit.costMicros(), "input_tokens", audit.inputTokens(), "cached_input_tokens",
                audit.cachedInputTokens(), "output_tokens", audit.outputTokens(), "reasoning_tokens", audit.reasoningTokens(),
                "requests", audit.requests(), "events", audit.events(), "errors", audit.errors(), "unpriced", audit.unpriced());
        StringBuilder row = new StringBuilder(String.join(",", AuditReport.csv(key.tenant()), AuditReport.csv(key.scope()), granularity,
                key.period(), spanFrom.toString(), spanTo.toString()));
        boolean match = true;
        StringBuilder differences = new StringBuilder();
        for (String field : FIELDS) {
            long theirs = answer.path(field).asLong(Long.MIN_VALUE);
            if (theirs != ours.get(field)) {
                match = false;
                differences.append(' ').append(field).append(" audit=").append(ours.get(field)).append(" ledger=")
                        .append(theirs == Long.MIN_VALUE ? "missing" : Long.toString(theirs));
            }
            row.append(',').append(ours.get(field)).append(',').append(theirs == Long.MIN_VALUE ? "" : Long.toString(theirs));
        }
        csv.write(row.append(',').append(match).append('\n').toString());
        compared++;
        if (!match) {
            mismatches++;
            log.printf("ledger audit: MISMATCH tenant=%s scope=%s %s %s [%s, %s):%s%n", key.tenant(), key.scope(), granularity,
                    key.period(), spanFrom, spanTo, differences);
            log.flush();
        }
    }

    /**
     * The service's usage for the span, once its reports include the tenant's last counted event
     * ({@code min_offset}): the reporting part may trail the usage topic by seconds. While it does,
     * the service answers 503 and the question is asked again, for at most {@value #CATCH_UP_SECONDS} s.
     */
    private JsonNode usage(String tenant, String scope, Instant spanFrom, Instant spanTo, Long lastCounted)
            throws IOException, InterruptedException {
        URI uri = ledger.resolve("/v1/tenants/" + URLEncoder.encode(tenant, StandardCharsets.UTF_8) + "/usage?scope="
                + URLEncoder.encode(scope, StandardCharsets.UTF_8) + "&from=" + spanFrom + "&to=" + spanTo
                + (lastCounted == null ? "" : "&min_offset=" + lastCounted));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CATCH_UP_SECONDS);
        while (true) {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                return JSON.readTree(response.body());
            }
            if (response.statusCode() != 503 || System.nanoTime() > deadline) {
                throw new IOException("the ledger answered " + response.statusCode() + " for " + uri + ": " + response.body());
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
