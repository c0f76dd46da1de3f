package dev.usageledger.query.http;

import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.query.api.Iso;
import dev.usageledger.query.api.Views;
import dev.usageledger.streams.decision.BudgetLine;
import dev.usageledger.query.state.Reports;
import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.rules.PeriodCalendar;
import dev.usageledger.streams.rules.PeriodSpec;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.state.ReportStore;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.nio.charset.StandardCharsets;

/** The reading endpoints under {@code /v1/tenants/{tenant}}: usage, breakdown, trends, status, breaches. */
final class ReportHandlers {
    private static final int MAX_SERIES = 1_000;

    private final Reports reports;
    private final TenantRouter router;
    private final ApiSettings settings;

    ReportHandlers(Reports reports, TenantRouter router, ApiSettings settings) {
        this.reports = reports;
        this.router = router;
        this.settings = settings;
    }

    void register(RouteTable routing) {
        routing.get("/v1/tenants/{tenant}/usage", this::usage)
                .get("/v1/tenants/{tenant}/breakdown", this::breakdown)
                .get("/v1/tenants/{tenant}/trends", this::trends)
                .get("/v1/tenants/{tenant}/status", this::status)
                .get("/v1/tenants/{tenant}/breaches", this::breaches);
    }

    private record Scope(SubjectType type, String id) {
    }

    private void usage(ServerRequest request, ServerResponse response) {
        String tenant = tenant(request);
        Scope scope = scope(request, tenant);
        PeriodWindow span = span(request);
        router.report(request, response, tenant, minOffset(request), rows -> {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("scope", Views.subject(scope.type().name(), scope.id()));
            answer.putAll(Views.totals(span, rows.totals(tenant, scope.type(), scope.id(), span)));
            return answer;
        });
    }

    private void breakdown(ServerRequest request, ServerResponse response) {
        String tenant = tenant(request);
        Scope scope = scope(request, tenant);
        String by = Exchange.query(request, "by").orElseThrow(() -> ApiException.invalid("by",
                "by is required: one of model, provider, feature, api_key, user, team"));
        SubjectType dimension = switch (by) {
            case "model", "provider", "feature", "api_key", "user", "team" -> SubjectType.valueOf(by);
            default -> throw ApiException.invalid("by", "by must be one of model, provider, feature, api_key, user, team, got '"
                    + by + "'");
        };
        if (dimension == scope.type()) {
            throw ApiException.invalid("by", "a " + by + " is not broken down by " + by + "; choose another dimension or scope");
        }
        PeriodWindow span = span(request);
        router.report(request, response, tenant, minOffset(request), rows -> {
            List<Map<String, Object>> lines = new ArrayList<>();
            rows.breakdown(tenant, scope.type(), scope.id(), dimension, span).forEach((member, totals) -> {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put(by, member);
                line.putAll(Views.totals(span, totals));
                lines.add(line);
            });
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("scope", Views.subject(scope.type().name(), scope.id()));
            answer.put("by", by);
            answer.put("rows", lines);
            return answer;
        });
    }

    /** The scope's usage per hour, day, week or month of a zone, every period from the one containing {@code from} up to {@code to}. */
    private void trends(ServerRequest request, ServerResponse response) {
        String tenant = tenant(request);
        Scope scope = scope(request, tenant);
        String interval = Exchange.query(request, "interval").orElse("day");
        PeriodKind kind = switch (interval) {
            case "hour" -> PeriodKind.day; // for the zone; the hours themselves are cut below
            case "day", "week", "month" -> PeriodKind.valueOf(interval);
            default -> throw ApiException.invalid("interval", "interval must be hour, day, week or month, got '" + interval + "'");
        };
        PeriodSpec spec = periodSpec(request, kind);
        PeriodWindow range = fromTo(request).orElseGet(() -> {
            Instant now = settings.clock().instant();
            return new PeriodWindow(now.minus(Duration.ofDays(30)), now);
        });
        List<PeriodWindow> periods = new ArrayList<>();
        UnaryOperator<PeriodWindow> next = interval.equals("hour") ? ReportHandlers::nextHour : period -> PeriodCalendar.next(spec, period);
        PeriodWindow first = interval.equals("hour") ? hourAt(range.start(), spec.zone()) : PeriodCalendar.windowAt(spec, range.start());
        for (PeriodWindow period = first; period.start().isBefore(range.end()); period = next.apply(period)) {
            if (periods.size() == MAX_SERIES) {
                throw ApiException.invalid("to", "a series has at most " + MAX_SERIES + " periods; narrow from and to");
            }
            periods.add(answerable(period, "time_zone"));
        }
        router.report(request, response, tenant, minOffset(request), rows -> {
            List<Map<String, Object>> lines = new ArrayList<>();
            rows.series(tenant, scope.type(), scope.id(), periods).forEach(entry -> lines.add(Views.totals(entry.getKey(), entry.getValue())));
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("scope", Views.subject(scope.type().name(), scope.id()));
            answer.put("interval", interval);
            answer.put("time_zone", spec.zone().getId());
            answer.put("rows", lines);
            return answer;
        });
    }

    /** The hour of the zone's clock containing {@code at} (an hour of a zone whose offset has minutes starts at those minutes). */
    private static PeriodWindow hourAt(Instant at, ZoneId zone) {
        Instant start = at.atZone(zone).truncatedTo(ChronoUnit.HOURS).toInstant();
        return new PeriodWindow(start, start.plus(Duration.ofHours(1)));
    }

    private static PeriodWindow nextHour(PeriodWindow hour) {
        return new PeriodWindow(hour.end(), hour.end().plus(Duration.ofHours(1)));
    }

    private void status(ServerRequest request, ServerResponse response) {
        String tenant = tenant(request);
        Scope scope = scope(request, tenant);
        Instant at = Exchange.instant(request, "at").orElseGet(() -> settings.clock().instant());
        router.answer(request, response, tenant, new byte[0], minOffset(request), stores -> {
            List<Map<String, Object>> budgets = new ArrayList<>();
            List<String> exceeded = new ArrayList<>();
            List<String> warning = new ArrayList<>();
            java.math.BigDecimal highest = null;
            for (Reports.BudgetStatus status : reports.status(stores, tenant, scope.type(), scope.id(), at)) {
                BudgetLine line = status.line();
                BudgetPolicy policy = line.policy();
                long committed = PolicyRules.addSaturating(line.used(), line.held());
                java.math.BigDecimal pct = line.unlimited() ? null : BudgetLine.percent(committed, line.limit());
                Map<String, Object> view = new LinkedHashMap<>();
                view.put("policy_id", policy.getPolicyId());
                view.put("name", policy.getName());
                view.put("subject", Views.subject(scope.type().name(), scope.id()));
                view.put("metric", policy.getMetric().name());
                view.put("period_start", Iso.format(line.period().start()));
                view.put("period_end", Iso.format(line.period().end()));
                view.put("days_remaining", Math.max(0, Math.ceilDiv(line.period().end().toEpochMilli() - at.toEpochMilli(), 86_400_000L)));
                view.put("used", line.used());
                view.put("late_adjustment", status.lateAdjustment());
                view.put("held", line.held());
                view.put("limit", line.unlimited() ? null : line.limit());
                view.put("remaining", line.unlimited() ? null : line.remaining());
                view.put("pct", pct);
                view.put("warn_at", status.warnAt());
                view.put("burn_rate_per_day", status.burnRatePerDay());
                view.put("projected_at_period_end", status.projectedAtPeriodEnd());
                view.put("runs_out_at", status.runsOutAt() == null ? null : Iso.format(status.runsOutAt()));
                view.put("breached_thresholds", status.crossed());
                view.put("enforce", policy.getEnforce());
                view.put("active", policy.getActive());
                view.put("display", Views.display(policy.getMetric(), line.used(), line.held(), line.unlimited() ? null : line.limit(),
                        line.unlimited() ? null : line.remaining()));
                budgets.add(view);
                if (PolicyRules.judges(policy)) {
                    if (committed >= line.limit()) {
                        exceeded.add(policy.getPolicyId());
                    } else if (status.warnAt() != null && committed >= status.warnAt()) {
                        warning.add(policy.getPolicyId());
                    }
                    if (pct != null && (highest == null || pct.compareTo(highest) > 0)) {
                        highest = pct;
                    }
                }
            }
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("scope", Views.subject(scope.type().name(), scope.id()));
            answer.put("at", Iso.format(at));
            answer.put("usage_status", !exceeded.isEmpty() ? "limit_reached" : !warning.isEmpty() ? "warning" : "ok");
            answer.put("exceeded", exceeded);
            answer.put("warning", warning);
            answer.put("highest_pct", highest);
            answer.put("budgets", budgets);
            return answer;
        });
    }

    private void breaches(ServerRequest request, ServerResponse response) {
        String tenant = tenant(request);
        PeriodWindow span = fromTo(request).orElseGet(() -> {
            Instant now = settings.clock().instant();
            return new PeriodWindow(now.minus(Duration.ofDays(30)), now.plus(Duration.ofDays(1)));
        });
        int limit = Exchange.intParam(request, "limit", 100, 1, 1_000);
        int skip = pageToken(request);
        router.answer(request, response, tenant, new byte[0], minOffset(request), stores -> {
            List<BudgetBreach> all = Reports.breaches(stores, tenant, span);
            List<Map<String, Object>> page = all.stream().skip(skip).limit(limit).map(Views::breach).toList();
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("breaches", page);
            if (skip + page.size() < all.size()) {
                answer.put("next_page_token", Base64.getUrlEncoder().withoutPadding()
                        .encodeToString(("skip:" + (skip + page.size())).getBytes(StandardCharsets.UTF_8)));
            }
            return answer;
        });
    }

    private static String tenant(ServerRequest request) {
        String tenant = request.path().pathParameters().get("tenant");
        Callers.of(request).requireTenant(tenant);
        return tenant;
    }

    private static Scope scope(ServerRequest request, String tenant) {
        String scope = Exchange.query(request, "scope").orElse("tenant:" + tenant);
        int colon = scope.indexOf(':');
        if (colon <= 0 || colon == scope.length() - 1) {
            throw ApiException.invalid("scope", "scope must read TYPE:ID, e.g. user:acme-u03, got '" + scope + "'");
        }
        String type = scope.substring(0, colon);
        String id = scope.substring(colon + 1);
        try {
            SubjectType subjectType = SubjectType.valueOf(type);
            if (subjectType == SubjectType.tenant && !id.equals(tenant)) {
                throw ApiException.invalid("scope", "scope tenant:" + id + " is not the tenant in the path (" + tenant + ")");
            }
            return new Scope(subjectType, id);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("scope", "scope type must be one of tenant, team, user, api_key, feature, provider, model, got '"
                    + type + "'");
        }
    }

    /** {@code from}/{@code to}, or the period of kind {@code period} containing {@code at} (default now). */
    private PeriodWindow span(ServerRequest request) {
        var explicit = fromTo(request);
        if (explicit.isPresent()) {
            return answerable(explicit.get(), "from");
        }
        String kind = Exchange.query(request, "period").orElse("month");
        PeriodKind periodKind = switch (kind) {
            case "day", "week", "month", "year" -> PeriodKind.valueOf(kind);
            default -> throw ApiException.invalid("period", "period must be day, week, month or year (or give from and to), got '"
                    + kind + "'");
        };
        PeriodSpec spec = periodSpec(request, periodKind);
        return answerable(PeriodCalendar.windowAt(spec, Exchange.instant(request, "at").orElseGet(() -> settings.clock().instant())),
                "time_zone");
    }

    /** Periods of {@code kind} in the request's {@code time_zone} (default UTC), weeks from its {@code week_start}. */
    private static PeriodSpec periodSpec(ServerRequest request, PeriodKind kind) {
        DayOfWeek weekStart = Exchange.query(request, "week_start").map(value -> {
            try {
                return DayOfWeek.valueOf(value);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("week_start", "week_start must be MONDAY..SUNDAY, got '" + value + "'");
            }
        }).orElse(null);
        try {
            return PeriodSpec.of(kind, Exchange.query(request, "time_zone").orElse("UTC"), weekStart, null, null, null, null);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("time_zone", e.getMessage());
        }
    }

    /** {@code period} when the report rows can answer it exactly: it starts and ends on a quarter hour. */
    private static PeriodWindow answerable(PeriodWindow period, String field) {
        if (!ReportStore.answerable(period)) {
            throw ApiException.invalid(field, "usage is kept per quarter hour: " + period.start() + " .. " + period.end()
                    + " does not start and end on one");
        }
        return period;
    }

    private static java.util.Optional<PeriodWindow> fromTo(ServerRequest request) {
        var from = Exchange.instant(request, "from");
        var to = Exchange.instant(request, "to");
        if (from.isEmpty() && to.isEmpty()) {
            return java.util.Optional.empty();
        }
        if (from.isEmpty() || to.isEmpty()) {
            throw ApiException.invalid(from.isEmpty() ? "from" : "to", "from and to go together");
        }
        if (!from.get().isBefore(to.get())) {
            throw ApiException.invalid("to", "to must be after from, got from=" + from.get() + " to=" + to.get());
        }
        return java.util.Optional.of(new PeriodWindow(from.get(), to.get()));
    }

    private static Long minOffset(ServerRequest request) {
        return Exchange.query(request, "min_offset").map(value -> {
            try {
                long offset = Long.parseLong(value);
                if (offset < 0) {
                    throw new NumberFormatException();
                }
                return offset;
            } catch (NumberFormatException e) {
                throw ApiException.invalid("min_offset", "min_offset must be a whole number >= 0, got '" + value + "'");
            }
        }).orElse(null);
    }

    private static int pageToken(ServerRequest request) {
        return Exchange.query(request, "page_token").map(token -> {
            try {
                String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
                if (!decoded.startsWith("skip:")) {
                    throw new IllegalArgumentException();
                }
                return Integer.parseInt(decoded.substring(5));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("page_token", "page_token is not one this service gave out");
            }
        }).orElse(0);
    }
}
