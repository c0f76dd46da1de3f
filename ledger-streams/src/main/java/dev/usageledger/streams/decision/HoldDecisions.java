package dev.usageledger.streams.decision;

import dev.usageledger.schemas.avro.BudgetVerdict;
import dev.usageledger.schemas.avro.CallScope;
import dev.usageledger.schemas.avro.EnforcementDecision;
import dev.usageledger.schemas.avro.HeldLine;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.HoldStatus;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.streams.rules.CallDimensions;
import dev.usageledger.streams.rules.KeyDirectory;
import dev.usageledger.streams.rules.PolicyIndex;
import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.streams.state.HeldStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How a hold request is decided: with the rules of a check ({@link Decider}), at the request's
 * time; granted, it reserves the call's amount on every enforced budget at once (a line per
 * budget), refused, on none. The result is the hold as it is journaled and stored, answer included.
 */
public final class HoldDecisions {
    private HoldDecisions() {
    }

    /**
     * A hold request: who calls what (completed from the key directory), with which estimate (its
     * cost already rated), until when, and whether the directory had its key inactive then.
     */
    public record Request(String tenant, String holdId, CallScope scope, dev.usageledger.schemas.avro.Estimate estimate,
                          Instant at, Instant expiresAt, boolean keyInactive) {
        /** A request whose key is not known to be inactive. */
        public Request(String tenant, String holdId, CallScope scope, dev.usageledger.schemas.avro.Estimate estimate, Instant at,
                       Instant expiresAt) {
            this(tenant, holdId, scope, estimate, at, expiresAt, false);
        }

        public CallDimensions call() {
            return new CallDimensions(tenant, scope.getTeamIds(), scope.getUserId(), scope.getApiKeyId(), scope.getFeature(),
                    scope.getProvider(), scope.getModel(), scope.getEndpoint(), scope.getBillingScope());
        }
    }

    /** The decided hold: {@code placed} with its lines, or {@code denied} with none. */
    public static HoldState decide(Request request, PolicyIndex policies, UsageSource usage) {
        Estimate estimate = Estimate.of(request.estimate());
        Decision decision = Decider.decide(request.call(), estimate, estimate.costMicros(), false, policies, usage, request.at());
        if (request.keyInactive()) {
            decision = decision.deniedFor(KeyDirectory.KEY_INACTIVE);
        }
        boolean granted = decision.decision() != Verdict.deny;
        List<HeldLine> lines = new ArrayList<>();
        if (granted) {
            for (BudgetLine line : decision.budgets()) {
                if (line.policy().getEnforce() && PolicyRules.judges(line.policy()) && line.estimate() > 0) {
                    lines.add(new HeldLine(HeldStore.key(line.policy(), line.member(), line.period()), line.estimate()));
                }
            }
        }
        return HoldState.newBuilder().setHoldId(request.holdId()).setTenantId(request.tenant())
                .setState(granted ? HoldStatus.placed : HoldStatus.denied)
                .setExpiresAt(request.expiresAt() == null ? request.at() : request.expiresAt()).setLines(lines)
                .setAnswer(answer(request, decision)).build();
    }

    private static EnforcementDecision answer(Request request, Decision decision) {
        List<BudgetVerdict> budgets = new ArrayList<>();
        for (BudgetLine line : decision.budgets()) {
            budgets.add(BudgetVerdict.newBuilder().setPolicyId(line.policy().getPolicyId())
                    .setSubject(new Subject(line.policy().getSubject().getType(), line.member()))
                    .setPeriodStart(line.period().start()).setPeriodEnd(line.period().end())
                    .setUsed(line.used()).setHeld(line.held()).setLimit(line.limit())
                    .setVerdict(dev.usageledger.schemas.avro.Verdict.valueOf(line.verdict().name())).setReason(line.reason())
                    .setUnlimited(line.unlimited()).build());
        }
        return EnforcementDecision.newBuilder().setDecisionId(request.holdId()).setTenantId(request.tenant())
                .setDecidedAt(request.at()).setDecision(dev.usageledger.schemas.avro.Verdict.valueOf(decision.decision().name()))
                .setReasons(decision.reasons()).setScope(request.scope()).setEstimate(request.estimate()).setHoldId(request.holdId())
                .setBudgets(budgets).build();
    }
}
