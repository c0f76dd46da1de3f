package dev.usageledger.streams;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.HoldEventType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.streams.TopologyModelPolicies.Budget;
import dev.usageledger.streams.TopologyModelPolicies.Call;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reference model's holds, from DESIGN.md: a request is judged like a check against used plus
 * held on every budget that governs it, and granted unless an enforced budget would go past its
 * limit; a granted hold reserves its estimate on each enforced budget (all at once), and a
 * settling event, a void or its expiry releases it. A tokens budget reserves input, output and
 * reasoning tokens, exactly what a check computes. The same hold id again keeps the first answer.
 */
final class TopologyModelHolds {
    /** What the counting side of the model holds for a budget. */
    interface Usage {
        /** The usage counted for a calendar period {start, end}, or what a new counter would start from. */
        long used(BudgetPolicy policy, String member, long[] period);

        /** The usage in a rolling window ending at {@code atMs}. */
        long rollingUsed(BudgetPolicy policy, String member, long atMs);
    }

    private record Hold(String holdId, String state, long expiresAt, TreeMap<String, Long> lines, String settledBy, Long actual) {
        Hold with(String newState) {
            return new Hold(holdId, newState, expiresAt, lines, settledBy, actual);
        }
    }

    private final TopologyModelPolicies policies;
    private final Usage usage;
    private final Map<String, Long> held = new HashMap<>();
    private final Map<String, Hold> holds = new HashMap<>();

    TopologyModelHolds(TopologyModelPolicies policies, Usage usage) {
        this.policies = policies;
        this.usage = usage;
    }

    /** A counted event settles the placed hold it names; whether it did. */
    boolean settle(UsageEvent e, long cost, TopologyModelSnapshot out) {
        if (e.getHoldId() == null) {
            return false;
        }
        String key = TopologyModelKeys.hold(e.getTenantId(), e.getHoldId());
        Hold hold = holds.get(key);
        if (hold == null) {
            // the hold's journaled decision may come later: a settled stub, no lines, no event
            holds.put(key, new Hold(e.getHoldId(), "settled", e.getOccurredAt().toEpochMilli(), new TreeMap<>(), e.getEventId(), cost));
            return false;
        }
        if (!hold.state().equals("placed")) {
            return false;
        }
        release(hold);
        holds.put(key, new Hold(hold.holdId(), "settled", hold.expiresAt(), hold.lines(), e.getEventId(), cost));
        out.count(TopologyModelSnapshot.holdEventLine("settled", e.getHoldId(), e.getEventId(), cost));
        return true;
    }

    /** A hold request or a void. */
    void request(HoldEvent request, TopologyModelSnapshot out) {
        String key = TopologyModelKeys.hold(request.getTenantId(), request.getHoldId());
        if (request.getType() == HoldEventType.void_requested) {
            Hold hold = holds.get(key);
            if (hold != null && hold.state().equals("placed")) {
                release(hold);
                holds.put(key, hold.with("voided"));
                out.count(TopologyModelSnapshot.holdEventLine("voided", request.getHoldId(), null, null));
            }
        } else if (!holds.containsKey(key)) {
            place(request, key, out);
        }
    }

    /** The wall clock reached {@code now}: placed holds past their expiry expire; whether any did. */
    boolean expire(long now, TopologyModelSnapshot out) {
        // finished holds (settled, stubs among them, expired, voided, denied) are forgotten once kept
        // the late grace past their expiry, by the scan that runs at this time; holds that expire in
        // this same scan are forgotten by a later one
        holds.values().removeIf(h -> !h.state().equals("placed") && h.expiresAt() + TopologyModelReference.GRACE_MS < now);
        boolean any = false;
        for (Map.Entry<String, Hold> entry : holds.entrySet()) {
            Hold hold = entry.getValue();
            if (hold.state().equals("placed") && hold.expiresAt() <= now) {
                release(hold);
                entry.setValue(hold.with("expired"));
                out.count(TopologyModelSnapshot.holdEventLine("expired", hold.holdId(), null, null));
                any = true;
            }
        }
        return any;
    }

    /** What the held and hold stores should hold. */
    void snapshot(TopologyModelSnapshot s) {
        held.forEach((key, amount) -> s.put(TopologyModelSnapshot.heldLine(key), Long.toString(amount)));
        holds.forEach((key, h) -> s.put(TopologyModelSnapshot.holdLine(key),
                TopologyModelSnapshot.holdValue(h.state(), h.expiresAt(), h.lines(), h.settledBy(), h.actual())));
    }

    private void place(HoldEvent request, String key, TopologyModelSnapshot out) {
        long at = request.getOccurredAt().toEpochMilli();
        var scope = request.getScope();
        var estimate = request.getEstimate();
        Call call = new Call(request.getTenantId(), scope.getTeamIds(), scope.getUserId(), scope.getApiKeyId(), scope.getFeature(),
                scope.getEndpoint(), scope.getProvider(), scope.getModel());
        TreeMap<String, Long> lines = new TreeMap<>();
        List<String> budgets = new ArrayList<>();
        String decision = "allow";
        for (Budget budget : policies.budgets(call)) {
            BudgetPolicy policy = budget.policy();
            long amount = TopologyModelPolicies.amount(policy, estimate.getInputTokens(), estimate.getOutputTokens(),
                    estimate.getReasoningTokens(), estimate.getRequests(), estimate.getCostMicros()).longValueExact();
            long[] period = TopologyModelPolicies.rolling(policy) ? null : TopologyModelPolicies.period(policy, at);
            long used = period == null ? usage.rollingUsed(policy, budget.member(), at) : usage.used(policy, budget.member(), period);
            String heldKey = period == null ? TopologyModelKeys.held(policy, budget.member(), null, null)
                    : TopologyModelKeys.held(policy, budget.member(), period[0], period[1]);
            long heldNow = held.getOrDefault(heldKey, 0L);
            String verdict = verdict(policy, period == null, used, heldNow, amount);
            decision = worst(decision, verdict);
            budgets.add(TopologyModelSnapshot.budgetText(policy.getPolicyId(), policy.getSubject().getType().name(), budget.member(), used,
                    heldNow, policy.getLimit(), verdict));
            if (policy.getEnforce() && amount > 0) {
                lines.merge(heldKey, amount, Long::sum);
            }
        }
        boolean granted = !decision.equals("deny");
        long expiresAt = request.getExpiresAt() == null ? at : request.getExpiresAt().toEpochMilli();
        Hold hold = new Hold(request.getHoldId(), granted ? "placed" : "denied", expiresAt, granted ? lines : new TreeMap<>(), null, null);
        holds.put(key, hold);
        budgets.sort(null);
        out.put("out decision " + request.getHoldId(), "decision=" + decision + " budgets=" + budgets);
        if (granted) {
            hold.lines().forEach((k, v) -> held.merge(k, v, Long::sum));
            out.count(TopologyModelSnapshot.holdEventLine("placed", request.getHoldId(), null, null));
        }
    }

    /**
     * A budget's verdict: past the limit (or already at it, for a calendar period) denies when the
     * policy is enforced and warns when not; reaching the soft limit warns.
     */
    private static String verdict(BudgetPolicy policy, boolean rolling, long used, long heldNow, long amount) {
        BigInteger limit = BigInteger.valueOf(policy.getLimit());
        BigInteger committed = BigInteger.valueOf(used).add(BigInteger.valueOf(heldNow));
        BigInteger after = committed.add(BigInteger.valueOf(amount));
        if (after.compareTo(limit) > 0 || !rolling && committed.compareTo(limit) >= 0) {
            return policy.getEnforce() ? "deny" : "warn";
        }
        if (!rolling && policy.getSoftLimitPct() != null
                && after.compareTo(TopologyModelPolicies.percentOf(policy.getLimit(), policy.getSoftLimitPct())) >= 0) {
            return "warn";
        }
        return "allow";
    }

    private static String worst(String a, String b) {
        List<String> order = List.of("allow", "warn", "deny");
        return order.indexOf(a) >= order.indexOf(b) ? a : b;
    }

    private void release(Hold hold) {
        hold.lines().forEach((k, v) -> {
            long next = held.getOrDefault(k, 0L) - v;
            if (next == 0) {
                held.remove(k);
            } else {
                held.put(k, next);
            }
        });
    }
}
