package dev.usageledger.query.state;

import dev.usageledger.query.api.CheckBody;
import dev.usageledger.query.decision.Decider;
import dev.usageledger.query.decision.Decision;
import dev.usageledger.query.decision.Estimate;
import dev.usageledger.query.decision.InvalidInputException;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.streams.rules.Rating;
import dev.usageledger.streams.steps.PolicyBookProcessor;
import dev.usageledger.streams.steps.PriceBookProcessor;
import java.time.Instant;
import java.util.List;

/**
 * The check path: the tenant's policies from the policy book, the call's cost (its own estimate,
 * or rated with the price in force now), and the decision over one partition's stores.
 */
public final class Checks {
    private final LedgerState state;

    public Checks(LedgerState state) {
        this.state = state;
    }

    public Decision decide(CheckBody check, TenantStores stores, Instant now) {
        List<BudgetPolicy> policies = PolicyBookProcessor.ofTenant(state.policies(), check.tenantId());
        Estimate estimate = check.toEstimate();
        long cost;
        boolean unpriced = false;
        if (estimate.costMicros() != null) {
            cost = estimate.costMicros();
        } else {
            PriceChange price = PriceBookProcessor.priceAt(state.prices(), check.provider(), check.model(), now);
            unpriced = price == null;
            try {
                cost = price == null ? 0 : Rating.costMicros(estimate.inputTokens(), estimate.cachedInputTokens(),
                        estimate.outputTokens(), estimate.reasoningTokens(), price.getInputMicrosPerMtok(),
                        price.getCachedInputMicrosPerMtok(), price.getOutputMicrosPerMtok());
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new InvalidInputException("estimate", "the estimate cannot be rated: " + e.getMessage());
            }
        }
        return Decider.decide(check.call(), estimate, cost, unpriced, policies, new StoreUsageSource(stores), now);
    }
}
