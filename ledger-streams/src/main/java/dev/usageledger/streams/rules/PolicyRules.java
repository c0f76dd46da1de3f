package dev.usageledger.streams.rules;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.PolicyFilters;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.model.Totals;
import java.util.List;
import java.util.Objects;

/**
 * How policies apply to usage: which members of a policy's subject an event counts toward,
 * whether its filters admit the event, what amount it adds, and the precedence DESIGN.md states
 * (a specific-id policy overrides a {@code *} default for the same subject type, metric and
 * period; among several such defaults the lowest limit applies).
 */
public final class PolicyRules {
    /** The special subject id meaning "each member". */
    public static final String EACH = "*";
    /** The tenant id of a global policy: a provider's or a model's limit over every tenant (ADR 0003). */
    public static final String ALL_TENANTS = "*";
    /**
     * The largest limit a policy may state (10^15: a billion currency units in micro-units, or a
     * quadrillion tokens); with thresholds of at most {@link #MAX_THRESHOLD} percent every
     * threshold's boundary fits in a long.
     */
    public static final long MAX_LIMIT = 1_000_000_000_000_000L;
    /** The largest threshold, in percent of the limit. */
    public static final int MAX_THRESHOLD = 1000;

    private PolicyRules() {
    }

    /** The members of {@code type} an event belongs to: its tenant, each team, its user and so on. */
    public static List<String> members(SubjectType type, UsageEvent event) {
        return members(type, CallDimensions.of(event));
    }

    /** The members of {@code type} a call belongs to. */
    public static List<String> members(SubjectType type, CallDimensions call) {
        return switch (type) {
            case tenant -> List.of(call.tenant());
            case team -> call.teams();
            case user -> present(call.user());
            case api_key -> present(call.apiKey());
            case feature -> present(call.feature());
            case provider -> present(call.provider());
            case model -> present(call.model());
        };
    }

    /** Whether the policy's filters admit the event (an empty list admits everything). */
    public static boolean admits(PolicyFilters filters, UsageEvent event) {
        return admits(filters, CallDimensions.of(event));
    }

    /** Whether the policy's filters admit the call (an empty list admits everything). */
    public static boolean admits(PolicyFilters filters, CallDimensions call) {
        return admits(filters.getModels(), call.model()) && admits(filters.getProviders(), call.provider())
                && admits(filters.getFeatures(), call.feature()) && admits(filters.getEndpoints(), call.endpoint())
                && (filters.getBillingScopes().isEmpty() || filters.getBillingScopes().contains(call.billing()));
    }

    /** What one event adds to a policy's metric. */
    public static long amount(BudgetPolicy policy, RatedUsage usage) {
        UsageEvent e = usage.event();
        return amount(policy.getMetric(), usage.costMicros(), e.getInputTokens(), e.getOutputTokens(), e.getReasoningTokens(),
                e.getRequests());
    }

    /**
     * What a call adds to a metric: the one rule for counted usage, checks and holds alike.
     * {@code tokens} is input (cached included) plus output plus reasoning.
     *
     * @throws ArithmeticException when the tokens do not add up within a long
     */
    public static long amount(Metric metric, long costMicros, long inputTokens, long outputTokens, long reasoningTokens,
                              long requests) {
        return amount(metric, costMicros, inputTokens, outputTokens, reasoningTokens, requests, false);
    }

    /** The part of {@code totals} a metric counts, held at {@link Long#MAX_VALUE} rather than overflowing (what a seed adds). */
    public static long amountSaturating(Metric metric, Totals totals) {
        return amount(metric, totals.costMicros(), totals.inputTokens(), totals.outputTokens(), totals.reasoningTokens(), totals.requests(),
                true);
    }

    private static long amount(Metric metric, long costMicros, long inputTokens, long outputTokens, long reasoningTokens, long requests,
                               boolean saturating) {
        return switch (metric) {
            case cost_micros -> costMicros;
            case tokens -> saturating ? addSaturating(addSaturating(inputTokens, outputTokens), reasoningTokens)
                    : Math.addExact(Math.addExact(inputTokens, outputTokens), reasoningTokens);
            case input_tokens -> inputTokens;
            case output_tokens -> outputTokens;
            case requests -> requests;
        };
    }

    /**
     * The policies that govern one member, after precedence: each policy of {@code type} naming
     * {@code member}, plus, for each (metric, period) no such policy covers, the most restrictive
     * {@code *} default.
     */
    public static List<BudgetPolicy> governing(List<BudgetPolicy> policies, SubjectType type, String member) {
        return PolicyIndex.of(policies).governing(type, member);
    }

    /** Whether a policy selects on nothing but its subject (every filter list empty). */
    public static boolean unfiltered(PolicyFilters filters) {
        return filters.getModels().isEmpty() && filters.getProviders().isEmpty() && filters.getFeatures().isEmpty()
                && filters.getEndpoints().isEmpty() && filters.getBillingScopes().isEmpty();
    }

    /**
     * Whether the policy applies at {@code at}: always, except a one-off budget ({@code auto_renew}
     * false), which applies only within its one window {@code [anchor, anchor + every)}.
     */
    public static boolean appliesAt(BudgetPolicy policy, java.time.Instant at) {
        if (policy.getAutoRenew()) {
            return true;
        }
        var period = policy.getPeriod();
        if (period.getAnchor() == null || period.getEveryMs() == null) {
            return false;
        }
        long start = period.getAnchor().toEpochMilli();
        long t = at.toEpochMilli();
        return t >= start && t - start < period.getEveryMs();
    }

    /** Whether the policy is global: it counts the usage of every tenant, in the global task (ADR 0003). */
    public static boolean isGlobal(BudgetPolicy policy) {
        return ALL_TENANTS.equals(policy.getTenantId());
    }

    /** Whether the budget judges calls and raises breaches: it has a limit and is not paused. */
    public static boolean judges(BudgetPolicy policy) {
        return !policy.getUnlimited() && policy.getActive();
    }

    /** The amount from which a call is warned: the soft limit given as an amount, or as a percentage of the limit; null for none. */
    public static Long softBoundary(BudgetPolicy policy) {
        if (policy.getSoftLimit() != null) {
            return policy.getSoftLimit();
        }
        return policy.getSoftLimitPct() == null ? null : boundary(policy.getLimit(), policy.getSoftLimitPct());
    }

    /**
     * Limit times percent, rounded up: the smallest amount that reaches the threshold. Saturates
     * at {@link Long#MAX_VALUE} (a threshold no count can reach) instead of overflowing, so a
     * policy written on the topic with any limit can never make an event uncountable.
     */
    public static long boundary(long limit, int percent) {
        try {
            return Math.ceilDiv(Math.multiplyExact(limit, (long) percent), 100L);
        } catch (ArithmeticException beyondLong) {
            return limit < 0 == percent < 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
    }

    /**
     * {@code a + b}, held at {@link Long#MAX_VALUE} or {@link Long#MIN_VALUE} instead of wrapping:
     * what a decision weighs (used, held, an estimate) against a limit, where "more than any
     * limit" is the exact answer.
     */
    public static long addSaturating(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
    }

    private static boolean admits(List<String> allowed, String value) {
        return allowed.isEmpty() || value != null && allowed.contains(value);
    }

    private static List<String> present(String value) {
        return value == null || value.isEmpty() ? List.of() : List.of(Objects.requireNonNull(value));
    }
}
