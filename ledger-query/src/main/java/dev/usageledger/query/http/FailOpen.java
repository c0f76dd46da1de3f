package dev.usageledger.query.http;

import dev.usageledger.query.api.CheckBody;
import dev.usageledger.query.api.Views;
import dev.usageledger.query.state.Checks;
import dev.usageledger.query.state.StateUnavailableException;
import dev.usageledger.streams.decision.Decider;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Per-policy fail mode on the server: when a check or a hold cannot be decided because the state
 * it needs cannot be read (its partition is restoring, its owner does not answer: a 503), and
 * every budget that would enforce on the call says {@code fail_open}, the call is let through
 * undecided (200, {@code allow}, {@code "degraded": true}, nothing reserved); otherwise the 503
 * stands and the caller applies its own fail mode. The policy book and the key directory are
 * global, so any instance can tell.
 */
final class FailOpen {
    /** The reason a call let through undecided is given. */
    static final String REASON = "fail_open";

    private FailOpen() {
    }

    /** Runs {@code decide}; when it cannot answer for want of state, answers fail-open if the call's budgets allow it, else rethrows. */
    static void orElse(Runnable decide, CheckBody check, Checks checks, Instant now, ServerResponse response) {
        try {
            decide.run();
        } catch (ApiException e) {
            if (e.status() != 503) {
                throw e;
            }
            answer(e, e.getMessage(), check, checks, now, response);
        } catch (StateUnavailableException e) {
            answer(e, e.getMessage(), check, checks, now, response);
        }
    }

    private static void answer(RuntimeException unavailable, String why, CheckBody check, Checks checks, Instant now,
                               ServerResponse response) {
        Optional<List<Decider.Governing>> open = checks.failingOpen(check, now);
        if (open.isEmpty()) {
            throw unavailable;
        }
        List<String> ids = open.get().stream().map(g -> g.policy().getPolicyId()).toList();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("decision", "allow");
        answer.put("reasons", List.of(REASON));
        answer.put("degraded", true);
        answer.put("message", "allowed undecided: " + why + "; " + (ids.isEmpty() ? "no budget would enforce on this call"
                : "every budget that would enforce on this call fails open (" + String.join(", ", ids) + ")"));
        answer.put("budgets", open.get().stream().map(g -> {
            Map<String, Object> budget = new LinkedHashMap<>();
            budget.put("policy_id", g.policy().getPolicyId());
            budget.put("subject", Views.subject(g.policy().getSubject().getType().name(), g.member()));
            budget.put("fail_open", true);
            return budget;
        }).toList());
        Exchange.send(response, 200, answer);
    }
}
