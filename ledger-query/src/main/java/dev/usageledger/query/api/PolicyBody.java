package dev.usageledger.query.api;

import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.streams.decision.InvalidInputException;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.PolicyFilters;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.WeekDay;
import dev.usageledger.streams.rules.PeriodCalendar;
import dev.usageledger.streams.rules.PeriodSpec;
import dev.usageledger.streams.rules.PolicyRules;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The body of {@code PUT /v1/policies/{id}}, as DESIGN.md shows it. {@link #toPolicy} checks every
 * rule (a known subject type and metric, a limit of 0..10^15 or {@code "unlimited": true}, a real
 * IANA zone, thresholds 1..1000, a soft limit of at most 100 %) and names the field that breaks one.
 */
public record PolicyBody(String policyId, String tenantId, SubjectBody subject, FiltersBody filters, String metric, Long limit,
                         PeriodBody period, List<Integer> thresholds, Integer softLimitPct, Boolean enforce, Boolean unlimited,
                         String name, String updatedBy, Boolean active, Boolean autoRenew, Long softLimit, List<String> overrides,
                         Boolean failOpen) {
    /** The longest name or updated_by. */
    static final int MAX_TEXT = 200;

    /** The policy's subject: a type and an id or {@code *}. */
    public record SubjectBody(String type, String id) {
    }

    /** Filters; a missing or empty list matches everything. */
    public record FiltersBody(List<String> models, List<String> providers, List<String> features, List<String> endpoints,
                              List<String> billingScopes) {
    }

    /** A period: kind and the settings that kind takes. */
    public record PeriodBody(String kind, String timeZone, String weekStart, Integer anchorDay, String duration, String every,
                             String anchor) {
    }

    /**
     * The stored form, for the policy id in the path; {@code defaultWarnPct} is the soft limit (in
     * percent of the limit) a limited policy gets when it sets neither {@code soft_limit_pct} nor
     * {@code soft_limit} (0: none).
     */
    public BudgetPolicy toPolicy(String pathId, Instant now, int defaultWarnPct) {
        Fields.requireId("policy_id", pathId);
        if (policyId != null && !policyId.equals(pathId)) {
            throw new InvalidInputException("policy_id", "policy_id '" + policyId + "' differs from the id in the path '" + pathId + "'");
        }
        boolean global = PolicyRules.ALL_TENANTS.equals(tenantId);
        if (!global) {
            Fields.requireId("tenant_id", tenantId);
        }
        if (subject == null) {
            throw new InvalidInputException("subject", "subject is required, e.g. {\"type\": \"user\", \"id\": \"*\"}");
        }
        SubjectType type = enumValue("subject.type", subject.type(), SubjectType.class);
        if (global && type != SubjectType.provider && type != SubjectType.model) {
            throw new InvalidInputException("subject.type", "a global policy (tenant_id \"*\") limits a provider or a model over every"
                    + " tenant: its subject type is provider or model, got '" + type + "'");
        }
        Fields.requireText("subject.id", subject.id());
        Metric metricValue = enumValue("metric", metric, Metric.class);
        boolean noLimit = Boolean.TRUE.equals(unlimited);
        long limitValue = noLimit ? noLimit() : checkedLimit();
        List<Integer> steps = noLimit ? List.of() : thresholds(thresholds);
        if (softLimitPct != null && (softLimitPct < 1 || softLimitPct > 100)) {
            throw new InvalidInputException("soft_limit_pct", "soft_limit_pct must be 1..100 (a soft limit is at most the limit), got "
                    + softLimitPct);
        }
        if (softLimit != null) {
            if (softLimitPct != null) {
                throw new InvalidInputException("soft_limit", "give soft_limit (an amount) or soft_limit_pct (a percentage), not both");
            }
            if (softLimit < 0 || softLimit > limitValue) {
                throw new InvalidInputException("soft_limit", "soft_limit must be 0..limit (" + limitValue + "), got " + softLimit);
            }
        }
        Integer warnPct = softLimitPct != null || softLimit != null || noLimit || defaultWarnPct == 0 ? softLimitPct : Integer.valueOf(defaultWarnPct);
        checkText("name", name);
        checkText("updated_by", updatedBy);
        Period periodValue = avroPeriod();
        if (global && !PeriodCalendar.isFixed(periodValue)) {
            throw new InvalidInputException("period.kind", "a global policy counts calendar or interval periods (day, week, month, year,"
                    + " interval), not a rolling window; got '" + periodValue.getKind() + "'");
        }
        boolean renews = autoRenew == null || autoRenew;
        if (!renews && (periodValue.getKind() != PeriodKind.interval || periodValue.getAnchor() == null)) {
            throw new InvalidInputException("auto_renew", "a budget that does not renew has one window: give it an interval period with"
                    + " its start and length, e.g. {\"kind\": \"interval\", \"anchor\": \"2026-10-01T00:00:00Z\", \"every\": \"P92D\"}");
        }
        List<SubjectType> replaced = overrides(type);
        return BudgetPolicy.newBuilder()
                .setPolicyId(pathId).setTenantId(tenantId)
                .setSubject(new Subject(type, subject.id()))
                .setFilters(avroFilters())
                .setMetric(metricValue).setLimit(limitValue)
                .setPeriod(periodValue)
                .setThresholds(steps)
                .setSoftLimitPct(warnPct)
                .setSoftLimit(softLimit)
                .setEnforce(enforce == null || enforce)
                .setUnlimited(noLimit)
                .setUpdatedAt(now.truncatedTo(ChronoUnit.MILLIS)) // what the stored (timestamp-millis) form holds
                .setName(name)
                .setUpdatedBy(updatedBy)
                .setActive(active == null || active)
                .setAutoRenew(renews)
                .setOverrides(replaced)
                .setFailOpen(Boolean.TRUE.equals(failOpen))
                .build();
    }

    /** Which broader scopes the policy replaces for its member: tenant and team for a user's or a key's, tenant for a team's. */
    private List<SubjectType> overrides(SubjectType type) {
        if (overrides == null || overrides.isEmpty()) {
            return List.of();
        }
        List<SubjectType> allowed = switch (type) {
            case user, api_key -> List.of(SubjectType.team, SubjectType.tenant);
            case team -> List.of(SubjectType.tenant);
            default -> List.of();
        };
        List<SubjectType> replaced = new ArrayList<>();
        for (String name : overrides) {
            SubjectType broader = allowed.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow(() ->
                    new InvalidInputException("overrides", "a " + type + " policy can override " + (allowed.isEmpty() ? "nothing"
                            : allowed.stream().map(Enum::name).toList()) + ", got '" + name + "'"));
            if (!replaced.contains(broader)) {
                replaced.add(broader);
            }
        }
        return replaced;
    }

    private static void checkText(String field, String value) {
        if (value != null && (value.isBlank() || value.length() > MAX_TEXT)) {
            throw new InvalidInputException(field, field + " must be 1.." + MAX_TEXT + " characters, got " + value.length());
        }
    }

    private long checkedLimit() {
        if (limit == null) {
            throw new InvalidInputException("limit", "limit is required: 0.." + PolicyRules.MAX_LIMIT
                    + ", or \"unlimited\": true to count usage without a limit");
        }
        if (limit < 0 || limit > PolicyRules.MAX_LIMIT) {
            throw new InvalidInputException("limit", "limit must be 0.." + PolicyRules.MAX_LIMIT + " (10^15), got " + limit
                    + "; to count usage without a limit, leave limit out and set \"unlimited\": true");
        }
        return limit;
    }

    /** An unlimited policy counts and never judges: it takes no limit, thresholds or soft limit. */
    private long noLimit() {
        String judging = limit != null ? "limit" : thresholds != null ? "thresholds" : softLimitPct != null ? "soft_limit_pct"
                : softLimit != null ? "soft_limit" : null;
        if (judging != null) {
            throw new InvalidInputException(judging, "an unlimited policy counts usage without a limit, so it takes no " + judging
                    + "; leave " + judging + " out or set \"unlimited\": false");
        }
        return 0;
    }

    private PolicyFilters avroFilters() {
        FiltersBody f = filters == null ? new FiltersBody(null, null, null, null, null) : filters;
        List<BillingScope> billing = new ArrayList<>();
        List<String> scopes = list(f.billingScopes());
        for (int i = 0; i < scopes.size(); i++) {
            BillingScope scope = enumValue("filters.billing_scopes[" + i + "]", scopes.get(i), BillingScope.class);
            if (!billing.contains(scope)) {
                billing.add(scope);
            }
        }
        return new PolicyFilters(list(f.models()), list(f.providers()), list(f.features()), list(f.endpoints()), billing);
    }

    private Period avroPeriod() {
        if (period == null) {
            throw new InvalidInputException("period", "period is required, e.g. {\"kind\": \"month\", \"time_zone\": \"UTC\"}");
        }
        PeriodKind kind = enumValue("period.kind", period.kind(), PeriodKind.class);
        Period value = Period.newBuilder()
                .setKind(kind)
                .setTimeZone(period.timeZone())
                .setWeekStart(period.weekStart() == null ? null : enumValue("period.week_start", period.weekStart(), WeekDay.class))
                .setAnchorDay(period.anchorDay())
                .setDurationMs(millis("period.duration", period.duration()))
                .setEveryMs(millis("period.every", period.every()))
                .setAnchor(period.anchor() == null ? null : Fields.instant("period.anchor", period.anchor()))
                .build();
        try {
            PeriodSpec.from(value);
        } catch (IllegalArgumentException e) {
            String first = e.getMessage().split("[ ']", 2)[0];
            throw new InvalidInputException("period." + (first.isEmpty() ? "kind" : first), e.getMessage());
        }
        return value;
    }

    private static List<Integer> thresholds(List<Integer> given) {
        if (given == null) {
            return List.of(50, 80, 90, 100);
        }
        TreeSet<Integer> sorted = new TreeSet<>();
        for (int i = 0; i < given.size(); i++) {
            Integer t = given.get(i);
            if (t == null || t < 1 || t > PolicyRules.MAX_THRESHOLD) {
                throw new InvalidInputException("thresholds[" + i + "]", "thresholds must be percentages 1.." + PolicyRules.MAX_THRESHOLD
                        + ", got " + t);
            }
            sorted.add(t);
        }
        return new ArrayList<>(sorted);
    }

    private static Long millis(String field, String isoDuration) {
        if (isoDuration == null) {
            return null;
        }
        try {
            return Duration.parse(isoDuration).toMillis();
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new InvalidInputException(field, field + " must be an ISO-8601 duration such as PT1M or P1D, got '" + isoDuration + "'");
        }
    }

    private static List<String> list(List<String> values) {
        return values == null ? List.of() : List.copyOf(values);
    }

    private static <E extends Enum<E>> E enumValue(String field, String value, Class<E> type) {
        Fields.requireText(field, value);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(value)) {
                return constant;
            }
        }
        throw new InvalidInputException(field, field + " must be one of " + Arrays.toString(type.getEnumConstants()) + ", got '"
                + value + "'");
    }
}
