package dev.usageledger.query.api;

import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.BudgetVerdict;
import dev.usageledger.schemas.avro.CallScope;
import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.DirectoryKind;
import dev.usageledger.schemas.avro.EnforcementDecision;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.streams.decision.BudgetLine;
import dev.usageledger.streams.decision.Decision;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyRules;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shapes of DESIGN.md's "API by example", built from the ledger's own types. */
public final class Views {
    private Views() {
    }

    public static Map<String, Object> decision(Decision decision) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("decision", decision.decision().name());
        view.put("reasons", decision.reasons());
        view.put("unpriced", decision.unpriced());
        if (decision.retryAfterMs() != null) {
            view.put("retry_after_ms", decision.retryAfterMs());
        }
        view.put("budgets", decision.budgets().stream().map(Views::budget).toList());
        return view;
    }

    /** A hold's stored answer, in the check's shape. */
    public static Map<String, Object> decision(EnforcementDecision decision) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("decision", decision.getDecision().name());
        view.put("reasons", decision.getReasons());
        List<Map<String, Object>> budgets = new ArrayList<>();
        for (BudgetVerdict budget : decision.getBudgets()) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("policy_id", budget.getPolicyId());
            line.put("subject", subject(budget.getSubject().getType().name(), budget.getSubject().getId()));
            line.put("period_start", Iso.format(budget.getPeriodStart()));
            line.put("period_end", Iso.format(budget.getPeriodEnd()));
            line.put("used", budget.getUsed());
            line.put("held", budget.getHeld());
            line.put("limit", budget.getUnlimited() ? null : budget.getLimit());
            line.put("remaining", budget.getUnlimited() ? null
                    : Math.max(0, PolicyRules.addSaturating(budget.getLimit(), -PolicyRules.addSaturating(budget.getUsed(), budget.getHeld()))));
            line.put("verdict", budget.getVerdict().name());
            line.put("reason", budget.getReason());
            budgets.add(line);
        }
        view.put("budgets", budgets);
        return view;
    }

    public static Map<String, Object> budget(BudgetLine line) {
        Map<String, Object> view = new LinkedHashMap<>();
        BudgetPolicy policy = line.policy();
        view.put("policy_id", policy.getPolicyId());
        view.put("subject", subject(policy.getSubject().getType().name(), line.member()));
        view.put("metric", policy.getMetric().name());
        putPeriod(view, line.period());
        view.put("used", line.used());
        view.put("held", line.held());
        view.put("limit", line.unlimited() ? null : line.limit());
        view.put("remaining", line.unlimited() ? null : line.remaining());
        view.put("pct_after", line.pctAfter());
        view.put("enforce", policy.getEnforce());
        view.put("verdict", line.verdict().name());
        view.put("reason", line.reason());
        view.put("message", message(line));
        if (policy.getName() != null) {
            view.put("name", policy.getName());
        }
        if (line.retryAfterMs() != null) {
            view.put("retry_after_ms", line.retryAfterMs());
        }
        return view;
    }

    public static Map<String, Object> policy(BudgetPolicy policy) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("policy_id", policy.getPolicyId());
        view.put("tenant_id", policy.getTenantId());
        view.put("subject", subject(policy.getSubject().getType().name(), policy.getSubject().getId()));
        view.put("filters", Map.of("models", policy.getFilters().getModels(), "providers", policy.getFilters().getProviders(),
                "features", policy.getFilters().getFeatures(), "endpoints", policy.getFilters().getEndpoints(),
                "billing_scopes", policy.getFilters().getBillingScopes().stream().map(Enum::name).toList()));
        view.put("metric", policy.getMetric().name());
        view.put("limit", policy.getUnlimited() ? null : policy.getLimit());
        view.put("unlimited", policy.getUnlimited());
        view.put("period", period(policy.getPeriod()));
        view.put("thresholds", policy.getThresholds());
        view.put("soft_limit_pct", policy.getSoftLimitPct());
        view.put("soft_limit", policy.getSoftLimit());
        view.put("enforce", policy.getEnforce());
        view.put("name", policy.getName());
        view.put("active", policy.getActive());
        view.put("auto_renew", policy.getAutoRenew());
        view.put("overrides", policy.getOverrides().stream().map(Enum::name).toList());
        view.put("fail_open", policy.getFailOpen());
        view.put("updated_at", Iso.format(policy.getUpdatedAt()));
        view.put("updated_by", policy.getUpdatedBy());
        return view;
    }

    /** The amounts of a budget in the units people read: dollars and cents for cost (US dollars), counts otherwise. */
    public static Map<String, Object> display(Metric metric, long used, long held, Long limit, Long remaining) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("used", amount(metric, used));
        view.put("held", amount(metric, held));
        view.put("limit", limit == null ? null : amount(metric, limit));
        view.put("remaining", remaining == null ? null : amount(metric, remaining));
        return view;
    }

    /** {@code 1200000000} micro-units as {@code $1,200.00} (half-even to the cent, exact decimal arithmetic); a count as {@code 1,200 tokens}. */
    public static String amount(Metric metric, long value) {
        if (metric == Metric.cost_micros) {
            return (value < 0 ? "-$" : "$") + String.format(java.util.Locale.ROOT, "%,.2f",
                    BigDecimal.valueOf(Math.abs(value), 6).setScale(2, RoundingMode.HALF_EVEN));
        }
        return String.format(java.util.Locale.ROOT, "%,d %s", value, metric.name().replace('_', ' ')); // 1,200 tokens, 3 requests
    }

    /** What a budget line that does not simply allow says, by the budget's name: "Request would exceed budget 'Research Q4' ($1,200.00 of $1,000.00)". */
    public static String message(BudgetLine line) {
        if (line.verdict() == dev.usageledger.streams.decision.Verdict.allow) {
            return null;
        }
        BudgetPolicy policy = line.policy();
        String name = "'" + (policy.getName() != null ? policy.getName() : policy.getPolicyId()) + "'";
        long after = PolicyRules.addSaturating(PolicyRules.addSaturating(line.used(), line.held()), line.estimate());
        String amounts = "(" + amount(policy.getMetric(), after) + " of " + amount(policy.getMetric(), line.limit()) + ")";
        return switch (line.reason() == null ? "" : line.reason()) {
            case dev.usageledger.streams.decision.Decider.SOFT_LIMIT -> "Request brings budget " + name + " to its soft limit " + amounts;
            case dev.usageledger.streams.decision.Decider.HARD_LIMIT -> "Budget " + name + " is used up " + amounts;
            case dev.usageledger.streams.decision.Decider.RATE_LIMITED -> "Request would go over the rate of budget " + name + " " + amounts
                    + "; retry in " + line.retryAfterMs() + " ms";
            default -> "Request would exceed budget " + name + " " + amounts;
        };
    }

    public static Map<String, Object> price(PriceChange price) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("provider", price.getProvider());
        view.put("model", price.getModel());
        view.put("effective_from", Iso.format(price.getEffectiveFrom()));
        view.put("currency", price.getCurrency());
        view.put("input_micros_per_mtok", price.getInputMicrosPerMtok());
        view.put("cached_input_micros_per_mtok", price.getCachedInputMicrosPerMtok());
        view.put("output_micros_per_mtok", price.getOutputMicrosPerMtok());
        return view;
    }

    /** A version of a key directory entry: a key's user, teams and active flag, or a user's teams. */
    public static Map<String, Object> directoryEntry(DirectoryEntry entry) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("tenant_id", entry.getTenantId());
        boolean key = entry.getKind() == DirectoryKind.api_key;
        view.put(key ? "api_key_id" : "user_id", entry.getId());
        if (entry.getRemoved()) {
            view.put("removed", true);
        } else {
            if (key) {
                view.put("user_id", entry.getUserId());
            }
            view.put("team_ids", entry.getTeamIds());
            if (key) {
                view.put("active", entry.getActive());
            }
        }
        view.put("effective_from", Iso.format(entry.getEffectiveFrom()));
        view.put("updated_by", entry.getUpdatedBy());
        view.put("updated_at", Iso.format(entry.getUpdatedAt()));
        return view;
    }

    public static Map<String, Object> breach(BudgetBreach breach) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("policy_id", breach.getPolicyId());
        view.put("subject", subject(breach.getSubject().getType().name(), breach.getSubject().getId()));
        view.put("metric", breach.getMetric().name());
        view.put("period_start", Iso.format(breach.getPeriodStart()));
        view.put("period_end", Iso.format(breach.getPeriodEnd()));
        view.put("threshold", breach.getThreshold());
        view.put("limit", breach.getLimit());
        view.put("used_at_crossing", breach.getUsedAtCrossing());
        view.put("crossing_event_id", breach.getCrossingEventId());
        view.put("crossing_occurred_at", Iso.format(breach.getCrossingOccurredAt()));
        view.put("found_by_import", breach.getFoundByImport());
        return view;
    }

    /** The totals of a scope over a span, as the usage, breakdown and trends answers list them. */
    public static Map<String, Object> totals(PeriodWindow span, Totals totals) {
        Map<String, Object> view = new LinkedHashMap<>();
        putPeriod(view, span);
        view.put("cost_micros", totals.costMicros());
        view.put("input_tokens", totals.inputTokens());
        view.put("output_tokens", totals.outputTokens());
        view.put("cached_input_tokens", totals.cachedInputTokens());
        view.put("reasoning_tokens", totals.reasoningTokens());
        view.put("requests", totals.requests());
        view.put("events", totals.events());
        view.put("errors", totals.errors());
        view.put("unpriced", totals.unpriced());
        view.put("error_rate", totals.events() == 0 ? null
                : BigDecimal.valueOf(totals.errors()).divide(BigDecimal.valueOf(totals.events()), 4, RoundingMode.HALF_EVEN));
        view.put("latency_ms_avg", totals.latencyEvents() == 0 ? null : totals.latencyMsSum() / totals.latencyEvents());
        return view;
    }

    /** Who made a call and what it called, as a check's body names them (fields the call did not name left out). */
    public static Map<String, Object> scope(CallScope scope) {
        Map<String, Object> view = new LinkedHashMap<>();
        if (scope == null) {
            return view;
        }
        putIfSet(view, "user_id", scope.getUserId());
        if (!scope.getTeamIds().isEmpty()) {
            view.put("team_ids", scope.getTeamIds());
        }
        putIfSet(view, "api_key_id", scope.getApiKeyId());
        putIfSet(view, "provider", scope.getProvider());
        putIfSet(view, "model", scope.getModel());
        putIfSet(view, "feature", scope.getFeature());
        putIfSet(view, "endpoint", scope.getEndpoint());
        view.put("billing_scope", scope.getBillingScope().name());
        return view;
    }

    private static void putIfSet(Map<String, Object> view, String field, String value) {
        if (value != null) {
            view.put(field, value);
        }
    }

    public static Map<String, Object> subject(String type, String id) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("type", type);
        view.put("id", id);
        return view;
    }

    static void putPeriod(Map<String, Object> view, PeriodWindow period) {
        view.put("period_start", Iso.format(period.start()));
        view.put("period_end", Iso.format(period.end()));
    }

    private static Map<String, Object> period(Period period) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("kind", period.getKind().name());
        view.put("time_zone", period.getTimeZone());
        view.put("week_start", period.getWeekStart() == null ? null : period.getWeekStart().name());
        view.put("anchor_day", period.getAnchorDay());
        view.put("duration", period.getDurationMs() == null ? null : Duration.ofMillis(period.getDurationMs()).toString());
        view.put("every", period.getEveryMs() == null ? null : Duration.ofMillis(period.getEveryMs()).toString());
        view.put("anchor", period.getAnchor() == null ? null : Iso.format(period.getAnchor()));
        return view;
    }

}
