package dev.usageledger.query.http;

import dev.usageledger.query.api.Iso;
import dev.usageledger.query.state.LedgerState;
import dev.usageledger.query.state.Progress;
import dev.usageledger.query.state.ReportState;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/tenants/{t}/health}: how current the answers about a tenant are, from the instance
 * that owns its partition. Enforcement and reporting each say how many records of their input they
 * have not read yet and the last event they applied; and how many of the tenant's usage records
 * were rejected in the last days, by reason (the records themselves are on the rejected topic).
 */
final class HealthHandlers {
    private final LedgerState state;
    private final ReportState reports;
    private final TenantRouter router;
    private final ApiSettings settings;
    private final String usageTopic;

    HealthHandlers(LedgerState state, ReportState reports, TenantRouter router, ApiSettings settings, String usageTopic) {
        this.state = state;
        this.reports = reports;
        this.router = router;
        this.settings = settings;
        this.usageTopic = usageTopic;
    }

    void register(RouteTable routing) {
        routing.get("/v1/tenants/{tenant}/health", this::health);
    }

    private void health(ServerRequest request, ServerResponse response) {
        String tenant = request.path().pathParameters().get("tenant");
        Callers.of(request).requireTenant(tenant);
        int days = Exchange.intParam(request, "days", 30, 1, 400);
        LocalDate to = LocalDate.ofInstant(settings.clock().instant(), ZoneOffset.UTC);
        LocalDate from = to.minusDays(days - 1L);
        router.answer(request, response, tenant, new byte[0], null, stores -> {
            int partition = stores.partition();
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("tenant_id", tenant);
            answer.put("partition", partition);
            answer.put("enforcement", part(usageTopic, state.behind(usageTopic, partition), state.progress().applied(partition)));
            answer.put("reporting", part(reports.ratedTopic(), reports.behind(partition), reports.progress().applied(partition)));
            List<Map<String, Object>> byReason = new ArrayList<>();
            long total = 0;
            for (Map.Entry<String, Long> reason : stores.rejected().byReason(tenant, from, to).entrySet()) {
                Map<String, Object> line = new LinkedHashMap<>(); // reason first, in every answer
                line.put("reason", reason.getKey());
                line.put("count", reason.getValue());
                byReason.add(line);
                total += reason.getValue();
            }
            Map<String, Object> rejected = new LinkedHashMap<>();
            rejected.put("from_day", from.toString());
            rejected.put("to_day", to.toString());
            rejected.put("total", total);
            rejected.put("by_reason", byReason);
            answer.put("rejected", rejected);
            return answer;
        });
    }

    private static Map<String, Object> part(String topic, long behind, Progress.Applied applied) {
        Map<String, Object> part = new LinkedHashMap<>();
        part.put("topic", topic);
        part.put("behind_records", behind < 0 ? null : behind);
        part.put("applied_offset", applied.offset() < 0 ? null : applied.offset());
        part.put("applied_event_time", applied.eventTimeMs() < 0 ? null : Iso.format(applied.eventTimeMs()));
        return part;
    }
}
