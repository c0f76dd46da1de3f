package dev.usageledger.streams.rules;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.PolicyFilters;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.streams.model.RatedUsage;
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
                && admits(filters.getFeatures(), call.feature()) && admits(filters.getEndpoints(), call.endpoint());
    }

    /** What one event adds to a policy's metric. */
    public static long amount(BudgetPolicy policy, RatedUsage usage) {
        UsageEvent e = usage.event();
        return switch (policy.getMetric()) {
            case cost_micros -> usage.costMicros();
            case tokens -> Math.addExact(Math.addExact(e.getInputTokens(), e.getOutputTokens()), e.getReasoningTokens());
            case input_tokens -> e.getInputTokens();
            case output_tokens -> e.getOutputTokens();
            case requests -> e.getRequests();
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
                && filters.getEndpoints().isEmpty();
    }

    /** Limit times percent, rounded up: the smallest amount that reaches the threshold. */
    public static long boundary(long limit, int percent) {
        return Math.ceilDiv(Math.multiplyExact(limit, (long) percent), 100L);
    }

    private static boolean admits(List<String> allowed, String value) {
        return allowed.isEmpty() || value != null && allowed.contains(value);
    }

    private static List<String> present(String value) {
        return value == null || value.isEmpty() ? List.of() : List.of(Objects.requireNonNull(value));
    }
}
