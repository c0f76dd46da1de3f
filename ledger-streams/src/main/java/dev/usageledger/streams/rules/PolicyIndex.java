package dev.usageledger.streams.rules;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.schemas.avro.SubjectType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One tenant's policies arranged for the question asked per event and per check: which policies
 * govern member M of subject type T. Precedence is resolved once, when the index is built: per
 * type, the policies naming a member, and the {@code *} defaults with the most restrictive one
 * kept per (metric, period) slot; a member's specific policies override the defaults of their
 * slots. Built from a tenant's policy list, it answers without hashing or comparing Avro records.
 */
public final class PolicyIndex {
    private static final Comparator<BudgetPolicy> MOST_RESTRICTIVE = Comparator.comparingLong(BudgetPolicy::getLimit)
            .thenComparing(BudgetPolicy::getPolicyId);

    private record Slot(Metric metric, PeriodSpec period) {
        static Slot of(BudgetPolicy policy) {
            return new Slot(policy.getMetric(), PeriodSpec.from(policy.getPeriod()));
        }
    }

    private record Slotted(BudgetPolicy policy, Slot slot) {
    }

    private final List<BudgetPolicy> policies;
    private final Set<SubjectType> types = java.util.EnumSet.noneOf(SubjectType.class);
    private final Map<String, PeriodSpec> periods = new HashMap<>();
    private final EnumMap<SubjectType, Map<String, List<Slotted>>> specific = new EnumMap<>(SubjectType.class);
    private final EnumMap<SubjectType, List<Slotted>> defaults = new EnumMap<>(SubjectType.class);
    private final List<Slotted> overriding = new ArrayList<>();

    private PolicyIndex(List<BudgetPolicy> policies) {
        this.policies = List.copyOf(policies);
        EnumMap<SubjectType, Map<Slot, BudgetPolicy>> bestDefaults = new EnumMap<>(SubjectType.class);
        for (BudgetPolicy policy : this.policies) {
            SubjectType type = policy.getSubject().getType();
            Slotted slotted = new Slotted(policy, Slot.of(policy));
            types.add(type);
            periods.put(policy.getPolicyId(), slotted.slot().period());
            if (!policy.getOverrides().isEmpty()) {
                overriding.add(slotted);
            }
            if (PolicyRules.EACH.equals(policy.getSubject().getId())) {
                bestDefaults.computeIfAbsent(type, t -> new LinkedHashMap<>())
                        .merge(slotted.slot(), policy, (a, b) -> MOST_RESTRICTIVE.compare(a, b) <= 0 ? a : b);
            } else {
                specific.computeIfAbsent(type, t -> new HashMap<>()).computeIfAbsent(policy.getSubject().getId(), m -> new ArrayList<>())
                        .add(slotted);
            }
        }
        bestDefaults.forEach((type, bySlot) -> {
            List<Slotted> list = new ArrayList<>();
            bySlot.forEach((slot, policy) -> list.add(new Slotted(policy, slot)));
            defaults.put(type, List.copyOf(list));
        });
    }

    /** The index of one tenant's policies; a policy whose period cannot be evaluated must not be among them. */
    public static PolicyIndex of(List<BudgetPolicy> policies) {
        return new PolicyIndex(policies);
    }

    public List<BudgetPolicy> policies() {
        return policies;
    }

    public boolean isEmpty() {
        return policies.isEmpty();
    }

    /** The subject types some policy is about. */
    public Set<SubjectType> types() {
        return Collections.unmodifiableSet(types);
    }

    /** The period of one of the indexed policies, parsed once. */
    public PeriodSpec period(BudgetPolicy policy) {
        PeriodSpec spec = periods.get(policy.getPolicyId());
        return spec != null ? spec : PeriodSpec.from(policy.getPeriod());
    }

    /**
     * Whether {@code policy} is replaced, for this call, by an override: an active policy that
     * governs one of the call's members of its own type, counts the call, applies at {@code at},
     * names {@code policy}'s subject type among its {@code overrides}, and has the same metric and
     * period. Free when no policy of the tenant overrides anything.
     */
    public boolean overridden(BudgetPolicy policy, CallDimensions call, java.time.Instant at) {
        if (overriding.isEmpty()) {
            return false;
        }
        SubjectType type = policy.getSubject().getType();
        Slot slot = null;
        for (Slotted candidate : overriding) {
            BudgetPolicy override = candidate.policy();
            if (override == policy || !override.getOverrides().contains(type) || !override.getActive()) {
                continue;
            }
            if (slot == null) {
                slot = Slot.of(policy);
            }
            if (!candidate.slot().equals(slot) || !PolicyRules.admits(override.getFilters(), call) || !PolicyRules.appliesAt(override, at)) {
                continue;
            }
            for (String member : PolicyRules.members(override.getSubject().getType(), call)) {
                if (governing(override.getSubject().getType(), member).contains(override)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The members whose own budget replaces {@code policy} for all of their calls: each active,
     * renewing, unfiltered override of the same metric and period that governs its members (a
     * {@code *} default counts for each member of its type). Null when an override replaces it for
     * only part of a member's calls (a filtered or one-off override) or for only some members of a
     * {@code *} default (others have their own budget of that metric and period): a sum of the
     * members' usage cannot then say what the budget counted.
     */
    public List<Subject> overriddenFor(BudgetPolicy policy) {
        if (overriding.isEmpty()) {
            return List.of();
        }
        SubjectType type = policy.getSubject().getType();
        Slot slot = Slot.of(policy);
        List<Subject> members = new ArrayList<>();
        for (Slotted candidate : overriding) {
            BudgetPolicy override = candidate.policy();
            if (override == policy || !override.getOverrides().contains(type) || !override.getActive() || !candidate.slot().equals(slot)) {
                continue;
            }
            if (!PolicyRules.unfiltered(override.getFilters()) || !override.getAutoRenew()) {
                return null;
            }
            SubjectType memberType = override.getSubject().getType();
            if (PolicyRules.EACH.equals(override.getSubject().getId())) {
                boolean chosen = defaults.getOrDefault(memberType, List.of()).stream().anyMatch(d -> d.policy() == override);
                boolean someOwn = specific.getOrDefault(memberType, Map.of()).values().stream()
                        .anyMatch(own -> own.stream().anyMatch(s -> s.slot().equals(slot)));
                if (!chosen) {
                    continue; // a more restrictive default of the same slot governs instead
                }
                if (someOwn) {
                    return null;
                }
            }
            if (!members.contains(override.getSubject())) {
                members.add(override.getSubject());
            }
        }
        return members;
    }

    /** The policies that govern {@code member} of {@code type}, after precedence. */
    public List<BudgetPolicy> governing(SubjectType type, String member) {
        List<Slotted> own = specific.getOrDefault(type, Map.of()).getOrDefault(member, List.of());
        List<Slotted> fallback = defaults.getOrDefault(type, List.of());
        if (own.isEmpty() && fallback.isEmpty()) {
            return Collections.emptyList();
        }
        List<BudgetPolicy> governing = new ArrayList<>(own.size() + fallback.size());
        for (Slotted s : own) {
            governing.add(s.policy());
        }
        for (Slotted d : fallback) {
            boolean overridden = false;
            for (Slotted s : own) {
                if (s.slot().equals(d.slot())) {
                    overridden = true;
                    break;
                }
            }
            if (!overridden) {
                governing.add(d.policy());
            }
        }
        return governing;
    }
}
