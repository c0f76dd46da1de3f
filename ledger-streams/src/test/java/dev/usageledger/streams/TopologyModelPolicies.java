package dev.usageledger.streams;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.SubjectType;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reference model's policy book, written from DESIGN.md alone: which policies govern a
 * member (a specific id overrides the {@code *} default of the same subject type, metric and
 * period; among defaults the lowest limit wins), what filters admit, and where calendar periods
 * start in their zone. It keeps only policies the topology can evaluate: a period in a zone that
 * is not IANA, or a rolling one without a duration, leaves the id with no policy.
 */
final class TopologyModelPolicies {
    private static final Set<String> ZONES = ZoneId.getAvailableZoneIds();
    private static final Comparator<BudgetPolicy> RESTRICTIVE = Comparator.comparingLong(BudgetPolicy::getLimit)
            .thenComparing(BudgetPolicy::getPolicyId);

    /** Who a call is: the dimensions policies select on. */
    record Call(String tenant, List<String> teams, String user, String apiKey, String feature, String endpoint, String provider,
                String model) {
    }

    /** A policy's budget for one member, and the period it counts in ({@code start} null: rolling). */
    record Budget(BudgetPolicy policy, String member) {
    }

    private final Map<String, BudgetPolicy> byId = new HashMap<>();

    void put(String id, BudgetPolicy policy) {
        byId.remove(id);
        if (policy != null && evaluable(policy)) {
            byId.put(id, policy);
        }
    }

    /** Every (policy, member) a call counts toward, after precedence and filters. */
    List<Budget> budgets(Call call) {
        List<Budget> out = new ArrayList<>();
        for (BudgetPolicy policy : byId.values()) {
            if (!policy.getTenantId().equals(call.tenant()) || !admits(policy, call)) {
                continue;
            }
            for (String member : members(policy.getSubject().getType(), call)) {
                if (governs(policy, member)) {
                    out.add(new Budget(policy, member));
                }
            }
        }
        return out;
    }

    /** Every policy of the book, in no particular order. */
    List<BudgetPolicy> all() {
        return List.copyOf(byId.values());
    }

    /** Whether {@code policy} governs {@code member} now (after precedence). */
    boolean governsNow(BudgetPolicy policy, String member) {
        return governs(policy, member);
    }

    /** Whether the call is counted by {@code policy} at all (its filters). */
    static boolean counts(BudgetPolicy policy, Call call) {
        return admits(policy, call);
    }

    static boolean rolling(BudgetPolicy policy) {
        return policy.getPeriod().getKind() == PeriodKind.rolling;
    }

    /** The calendar period of {@code policy} containing {@code atMs}: {start, end}. */
    static long[] period(BudgetPolicy policy, long atMs) {
        String zone = policy.getPeriod().getTimeZone();
        ZoneId zoneId = ZoneId.of(zone == null ? "UTC" : zone);
        LocalDate day = Instant.ofEpochMilli(atMs).atZone(zoneId).toLocalDate();
        LocalDate first = policy.getPeriod().getKind() == PeriodKind.month ? day.withDayOfMonth(1) : day;
        LocalDate next = policy.getPeriod().getKind() == PeriodKind.month ? first.plusMonths(1) : first.plusDays(1);
        return new long[] {first.atStartOfDay(zoneId).toInstant().toEpochMilli(), next.atStartOfDay(zoneId).toInstant().toEpochMilli()};
    }

    /** Whether the policy selects on nothing but its subject. */
    static boolean unfiltered(BudgetPolicy policy) {
        var f = policy.getFilters();
        return f.getModels().isEmpty() && f.getProviders().isEmpty() && f.getFeatures().isEmpty() && f.getEndpoints().isEmpty();
    }

    /** What a call adds to a policy's metric: tokens are input (cached included), output and reasoning. */
    static BigInteger amount(BudgetPolicy policy, long input, long output, long reasoning, long requests, long cost) {
        return switch (policy.getMetric()) {
            case cost_micros -> BigInteger.valueOf(cost);
            case tokens -> BigInteger.valueOf(input).add(BigInteger.valueOf(output)).add(BigInteger.valueOf(reasoning));
            case input_tokens -> BigInteger.valueOf(input);
            case output_tokens -> BigInteger.valueOf(output);
            case requests -> BigInteger.valueOf(requests);
        };
    }

    /**
     * The amount that reaches {@code percent} of {@code limit}: {@code limit × percent / 100}
     * rounded up, or {@link Long#MAX_VALUE} (a count never gets there) when {@code limit × percent}
     * is beyond a long: the arithmetic saturates, so a limit of Long.MAX_VALUE never breaches.
     */
    static BigInteger percentOf(long limit, int percent) {
        BigInteger product = BigInteger.valueOf(limit).multiply(BigInteger.valueOf(percent));
        if (product.compareTo(BigInteger.valueOf(Long.MAX_VALUE)) > 0) {
            return BigInteger.valueOf(Long.MAX_VALUE);
        }
        BigInteger[] qr = product.divideAndRemainder(BigInteger.valueOf(100));
        return qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0];
    }

    static List<String> members(SubjectType type, Call call) {
        return switch (type) {
            case tenant -> List.of(call.tenant());
            case team -> call.teams().stream().distinct().toList();
            case user -> present(call.user());
            case api_key -> present(call.apiKey());
            case feature -> present(call.feature());
            case provider -> present(call.provider());
            case model -> present(call.model());
        };
    }

    private boolean governs(BudgetPolicy policy, String member) {
        SubjectType type = policy.getSubject().getType();
        if (!"*".equals(policy.getSubject().getId())) {
            return policy.getSubject().getId().equals(member);
        }
        String slot = slot(policy);
        for (BudgetPolicy other : byId.values()) {
            if (other.getTenantId().equals(policy.getTenantId()) && other.getSubject().getType() == type && slot(other).equals(slot)) {
                boolean otherDefault = "*".equals(other.getSubject().getId());
                if (otherDefault && RESTRICTIVE.compare(other, policy) < 0 || !otherDefault && other.getSubject().getId().equals(member)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** What precedence compares: metric and period. */
    private static String slot(BudgetPolicy policy) {
        var period = policy.getPeriod();
        String zone = period.getTimeZone() == null ? "UTC" : period.getTimeZone();
        return policy.getMetric() + "/" + period.getKind() + "/" + (rolling(policy) ? period.getDurationMs() : zone);
    }

    private static boolean admits(BudgetPolicy policy, Call call) {
        var f = policy.getFilters();
        return admits(f.getModels(), call.model()) && admits(f.getProviders(), call.provider())
                && admits(f.getFeatures(), call.feature()) && admits(f.getEndpoints(), call.endpoint());
    }

    private static boolean admits(List<String> allowed, String value) {
        return allowed.isEmpty() || value != null && allowed.contains(value);
    }

    private static boolean evaluable(BudgetPolicy policy) {
        var period = policy.getPeriod();
        return switch (period.getKind()) {
            case day, month -> period.getTimeZone() == null || ZONES.contains(period.getTimeZone());
            case rolling -> period.getDurationMs() != null && period.getDurationMs() > 0;
            default -> throw new IllegalStateException("the model covers day, month and rolling periods, not " + period.getKind());
        };
    }

    private static List<String> present(String value) {
        return value == null || value.isEmpty() ? List.of() : List.of(value);
    }
}
