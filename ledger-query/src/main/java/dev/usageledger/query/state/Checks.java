package dev.usageledger.query.state;

import dev.usageledger.query.api.CheckBody;
import dev.usageledger.streams.decision.Decider;
import dev.usageledger.streams.decision.Decision;
import dev.usageledger.streams.decision.Estimate;
import dev.usageledger.streams.decision.InvalidInputException;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.streams.rules.KeyDirectory;
import dev.usageledger.streams.rules.PolicyIndex;
import dev.usageledger.streams.rules.Rating;
import dev.usageledger.streams.rules.Rating.Rated;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

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
        PolicyIndex policies = state.policiesOf(check.tenantId());
        Rated rated = rate(check, now);
        KeyDirectory.Resolution call = resolve(check, now);
        Decision decision = Decider.decide(call.call(), check.toEstimate(), rated.costMicros(), rated.unpriced(), policies,
                new StoreUsageSource(stores), now);
        return call.keyInactive() ? decision.deniedFor(KeyDirectory.KEY_INACTIVE) : decision;
    }

    /**
     * When the call's state cannot be read: the budgets that would enforce on it, if each of them
     * fails open (and the key is not inactive), so the call may go through undecided; else empty.
     * Reads the policy book and the key directory only (global, on every instance).
     */
    public Optional<List<Decider.Governing>> failingOpen(CheckBody check, Instant now) {
        KeyDirectory.Resolution call = resolve(check, now);
        if (call.keyInactive()) {
            return Optional.empty();
        }
        return Decider.failingOpen(call.call(), state.policiesOf(check.tenantId()), now);
    }

    /** The call completed from the key directory as it is {@code now}, and whether its key is inactive. */
    public KeyDirectory.Resolution resolve(CheckBody check, Instant now) {
        return state.keyDirectory().resolve(check.call(), now);
    }

    /** The call's cost in micro-units: the estimate's own, or rated with the price in force now (the topology's rule). */
    public Rated rate(CheckBody check, Instant now) {
        Estimate estimate = check.toEstimate();
        PriceChange price = estimate.costMicros() != null ? null : state.priceAt(check.provider(), check.model(), now);
        try {
            return Rating.rate(estimate.costMicros(), estimate.inputTokens(), estimate.cachedInputTokens(), estimate.outputTokens(),
                    estimate.reasoningTokens(), price);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new InvalidInputException("estimate", "the estimate cannot be rated: " + e.getMessage());
        }
    }
}
