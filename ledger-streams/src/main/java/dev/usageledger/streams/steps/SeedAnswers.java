package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.PolicyFilters;
import dev.usageledger.schemas.avro.PolicySeed;
import dev.usageledger.schemas.avro.SeedPeriod;
import dev.usageledger.schemas.avro.SeedRequest;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.streams.state.ReportStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reporting part's answer to a seed request: for each period of the request, what every
 * member of the policy used, in its metric, read from the blocks at the request's place on the
 * rated topic (so exactly the events counted before the policy was registered). The blocks keep
 * each scope and each pair of scopes, so a policy filtered on one list (models, providers or
 * features) is answered from pairs; a policy filtered on more, or on endpoints, is not answerable.
 */
final class SeedAnswers {
    /** Members per record: keeps one answer record far below the producer's request size. */
    static final int MEMBERS_PER_RECORD = 5_000;

    private final ReportStore reports;
    private final long keptMs;

    SeedAnswers(ReportStore reports, long keptMs) {
        this.reports = reports;
        this.keptMs = keptMs;
    }

    /** The answer's records, the last one marked. */
    List<PolicySeed> answer(SeedRequest request, int partition, long newestMs) {
        BudgetPolicy policy = request.getPolicy();
        List<PolicySeed> answer = new ArrayList<>();
        for (SeedPeriod period : request.getPeriods()) {
            PeriodWindow window = new PeriodWindow(period.getStart(), period.getEnd());
            String unanswerable = unanswerable(request, window, newestMs);
            if (unanswerable != null) {
                answer.clear();
                answer.add(seed(request, partition, window, Map.of()).setAnswerable(false).setReason(unanswerable).build());
                break;
            }
            Map<String, Long> byMember = amounts(policy, window);
            leaveOutOverridden(request, window, byMember);
            List<Map.Entry<String, Long>> amounts = new ArrayList<>(byMember.entrySet());
            amounts.removeIf(amount -> amount.getValue() == 0);
            for (int from = 0; from == 0 || from < amounts.size(); from += MEMBERS_PER_RECORD) {
                Map<String, Long> chunk = new HashMap<>();
                amounts.subList(from, Math.min(amounts.size(), from + MEMBERS_PER_RECORD)).forEach(e -> chunk.put(e.getKey(), e.getValue()));
                answer.add(seed(request, partition, window, chunk).setAnswerable(true).build());
            }
        }
        if (answer.isEmpty()) { // a request with no period: nothing before it to add
            answer.add(PolicySeed.newBuilder().setTenantId(policy.getTenantId()).setPolicyId(policy.getPolicyId())
                    .setRequestId(request.getRequestId()).setSourcePartition(partition).setAnswerable(true)
                    .setPeriodStart(Instant.EPOCH).setPeriodEnd(Instant.EPOCH).setAmounts(Map.of()).setLast(true).build());
        }
        answer.get(answer.size() - 1).setLast(true);
        return answer;
    }

    private static PolicySeed.Builder seed(SeedRequest request, int partition, PeriodWindow window, Map<String, Long> amounts) {
        BudgetPolicy policy = request.getPolicy();
        return PolicySeed.newBuilder().setTenantId(policy.getTenantId()).setPolicyId(policy.getPolicyId())
                .setRequestId(request.getRequestId()).setSourcePartition(partition).setPeriodStart(window.start())
                .setPeriodEnd(window.end()).setAmounts(amounts).setLast(false);
    }

    private String unanswerable(SeedRequest request, PeriodWindow period, long newestMs) {
        BudgetPolicy policy = request.getPolicy();
        if (!ReportStore.answerable(period)) {
            return "the period " + period + " does not start and end on quarter hours";
        }
        if (newestMs != Long.MIN_VALUE && period.start().toEpochMilli() < newestMs - keptMs) {
            return "the period " + period + " starts before the oldest usage the reports keep";
        }
        PolicyFilters filters = policy.getFilters();
        if (!filters.getEndpoints().isEmpty()) {
            return "the reports are not kept per endpoint";
        }
        if (!filters.getBillingScopes().isEmpty()) {
            return "the reports are not kept per billing scope";
        }
        int lists = (filters.getModels().isEmpty() ? 0 : 1) + (filters.getProviders().isEmpty() ? 0 : 1)
                + (filters.getFeatures().isEmpty() ? 0 : 1);
        if (lists > 1) {
            return "the reports pair two dimensions at most: the subject and one filter";
        }
        Set<SubjectType> overriding = new HashSet<>();
        request.getOverriddenFor().forEach(member -> overriding.add(member.getType()));
        if (overriding.isEmpty()) {
            return null;
        }
        if (lists > 0) {
            return "the reports cannot leave the overridden members out of a filtered budget";
        }
        if (overriding.size() > 1) {
            return "members of more than one kind override it, and one event can name several of them";
        }
        return overriding.contains(SubjectType.team) ? "teams override it, and one event can name several teams" : null;
    }

    /**
     * Takes out of each member's amount the usage of the members whose own budget replaces this
     * one for them ({@code overridden_for}, all of one kind, users or keys: an event names at most
     * one of each, so each event is taken out at most once). The budget never counted their usage.
     */
    private void leaveOutOverridden(SeedRequest request, PeriodWindow period, Map<String, Long> amounts) {
        if (request.getOverriddenFor().isEmpty()) {
            return;
        }
        BudgetPolicy policy = request.getPolicy();
        String tenant = policy.getTenantId();
        SubjectType kind = request.getOverriddenFor().getFirst().getType();
        Set<String> ids = new HashSet<>();
        request.getOverriddenFor().forEach(member -> ids.add(member.getId()));
        boolean each = ids.contains(PolicyRules.EACH);
        for (Map.Entry<String, Long> amount : amounts.entrySet()) {
            Map<String, Totals> byOverrider = reports.breakdown(tenant, policy.getSubject().getType(), amount.getKey(), kind, period);
            long out = 0;
            for (Map.Entry<String, Totals> usage : byOverrider.entrySet()) {
                if (each || ids.contains(usage.getKey())) {
                    out = PolicyRules.addSaturating(out, PolicyRules.amountSaturating(policy.getMetric(), usage.getValue()));
                }
            }
            amount.setValue(Math.max(0, amount.getValue() - out));
        }
    }

    /**
     * Each member's amount over the period (the policy's own member only, unless it is a {@code *}
     * default). Sums saturate at {@link Long#MAX_VALUE}, as the counters they seed do.
     */
    private Map<String, Long> amounts(BudgetPolicy policy, PeriodWindow period) {
        String tenant = policy.getTenantId();
        SubjectType type = policy.getSubject().getType();
        Metric metric = policy.getMetric();
        String only = type == SubjectType.tenant ? tenant : PolicyRules.EACH.equals(policy.getSubject().getId()) ? null
                : policy.getSubject().getId();
        PolicyFilters filters = policy.getFilters();
        SubjectType dimension = !filters.getModels().isEmpty() ? SubjectType.model : !filters.getProviders().isEmpty() ? SubjectType.provider
                : !filters.getFeatures().isEmpty() ? SubjectType.feature : null;
        List<String> values = dimension == SubjectType.model ? filters.getModels() : dimension == SubjectType.provider
                ? filters.getProviders() : filters.getFeatures();
        Map<String, Long> amounts = new HashMap<>();
        if (dimension == null || dimension == type) {
            if (only != null) {
                add(amounts, only, metric, reports.totals(tenant, type, only, period));
            } else {
                reports.breakdown(tenant, SubjectType.tenant, tenant, type, period).forEach((member, totals) -> add(amounts, member, metric, totals));
            }
            if (dimension != null) {
                amounts.keySet().retainAll(values);
            }
        } else if (type == SubjectType.tenant) {
            for (String value : new java.util.LinkedHashSet<>(values)) {
                add(amounts, tenant, metric, reports.totals(tenant, dimension, value, period));
            }
        } else if (only != null) {
            Map<String, Totals> byValue = reports.breakdown(tenant, type, only, dimension, period);
            for (String value : new java.util.LinkedHashSet<>(values)) {
                add(amounts, only, metric, byValue.getOrDefault(value, Totals.ZERO));
            }
        } else {
            for (String value : new java.util.LinkedHashSet<>(values)) {
                reports.breakdown(tenant, dimension, value, type, period).forEach((member, totals) -> add(amounts, member, metric, totals));
            }
        }
        return amounts;
    }

    private static void add(Map<String, Long> amounts, String member, Metric metric, Totals totals) {
        amounts.merge(member, PolicyRules.amountSaturating(metric, totals), PolicyRules::addSaturating);
    }
}
