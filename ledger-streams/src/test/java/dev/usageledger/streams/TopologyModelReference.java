package dev.usageledger.streams;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.streams.TopologyModelInputs.AdvanceIn;
import dev.usageledger.streams.TopologyModelInputs.HoldIn;
import dev.usageledger.streams.TopologyModelInputs.Input;
import dev.usageledger.streams.TopologyModelInputs.PolicyIn;
import dev.usageledger.streams.TopologyModelInputs.PriceIn;
import dev.usageledger.streams.TopologyModelInputs.UsageIn;
import dev.usageledger.streams.TopologyModelPolicies.Budget;
import dev.usageledger.streams.TopologyModelPolicies.Call;
import java.math.BigInteger;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.Set;
import java.util.HashSet;
import java.util.regex.Pattern;

/**
 * The reference model of the ledger's topology, written from DESIGN.md and the issue's rules,
 * not from the production code: it validates, dedupes, rates, totals, counts policies, emits
 * breaches and keeps holds with plain maps and exact (BigInteger) arithmetic. An event changes
 * everything or nothing: any sum that would not fit a long rejects it whole, and a rejected
 * event's id is not remembered.
 */
final class TopologyModelReference {
    static final long GRACE_MS = 7 * TopologyModelSteps.DAY;
    static final long HORIZON_MS = 35 * TopologyModelSteps.DAY;
    static final long SKEW_MS = 10 * TopologyModelSteps.MINUTE;
    /** What the reports keep (ledger.retention.day.ms): an older event is rejected. */
    static final long KEPT_MS = 800 * TopologyModelSteps.DAY;
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger MILLION = BigInteger.valueOf(1_000_000);
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final long HOUR = TopologyModelSteps.HOUR;

    /** A number that does not fit a long: the event is rejected whole. */
    private static final class Overflow extends RuntimeException {
        Overflow() {
            super(null, null, false, false);
        }
    }

    private record Counted(UsageEvent event, long cost) {
    }

    /** A period counter; {@code end} is the end of the period it was created for, which its expiry goes by. */
    private record Counter(long used, TreeSet<Integer> crossed, long end, long late) {
    }

    private final TopologyModelPolicies policies = new TopologyModelPolicies();
    private final Map<String, TreeMap<Long, long[]>> prices = new HashMap<>();
    private final Map<String, Long> firstSeen = new HashMap<>();
    private final List<Counted> counted = new ArrayList<>();
    private final Map<String, long[]> totals = new HashMap<>();
    private final Map<String, Counter> counters = new HashMap<>();
    private final Map<String, Long> rolling = new HashMap<>();
    private final List<String> breaches = new ArrayList<>();
    /** Policies registered on the partition (tenant|policy id), and tenants with a counted event. */
    private final Set<String> registered = new HashSet<>();
    private final Set<String> knownTenants = new HashSet<>();
    private final TopologyModelHolds holds = new TopologyModelHolds(policies, new TopologyModelHolds.Usage() {
        @Override
        public long used(BudgetPolicy policy, String member, long[] period) {
            return TopologyModelReference.this.used(policy, member, period);
        }

        @Override
        public long rollingUsed(BudgetPolicy policy, String member, long atMs) {
            return TopologyModelReference.this.rollingUsed(policy, member, atMs);
        }
    });
    private TopologyModelSnapshot out = new TopologyModelSnapshot();
    private long now;
    private long streamTime = Long.MIN_VALUE;

    TopologyModelReference(long start) {
        this.now = start;
    }

    /** Applies one input; what it is expected to put on the output topics is kept for {@link #takeOutputs}. */
    void apply(Input input) {
        switch (input) {
            case UsageIn u -> usage(u);
            case PriceIn p -> price(p);
            case PolicyIn p -> policies.put(p.id(), p.policy());
            case HoldIn h -> hold(h.event());
            case AdvanceIn a -> advance(a.ms());
        }
    }

    TopologyModelSnapshot takeOutputs() {
        TopologyModelSnapshot taken = out;
        out = new TopologyModelSnapshot();
        return taken;
    }

    private void price(PriceIn p) {
        int at = p.key().lastIndexOf('@');
        String model = p.key().substring(0, at);
        long from = Long.parseLong(p.key().substring(at + 1));
        TreeMap<Long, long[]> history = prices.computeIfAbsent(model, m -> new TreeMap<>());
        if (p.price() == null) {
            history.remove(from);
        } else {
            history.put(from, new long[] {p.price().getInputMicrosPerMtok(), p.price().getCachedInputMicrosPerMtok(),
                    p.price().getOutputMicrosPerMtok()});
        }
    }

    // ---- usage ----

    private void usage(UsageIn in) {
        streamTime = Math.max(streamTime, in.timestamp());
        UsageEvent e = in.event();
        if (e == null || !valid(e, in.key(), in.timestamp()) || e.getOccurredAt().toEpochMilli() < streamTime - KEPT_MS) {
            out.count("out rejected this input");
            return;
        }
        long at = e.getOccurredAt().toEpochMilli();
        // an event older than the grace (late usage) counts at the grace's edge: dedupe and its budgets (ADR 0002)
        long countedAt = Math.max(at, streamTime - GRACE_MS);
        String seenKey = TopologyModelKeys.dedupe(e.getTenantId(), e.getEventId());
        Long seen = firstSeen.get(seenKey);
        if (seen != null && Math.abs(seen - countedAt) <= HORIZON_MS) {
            return;
        }
        boolean firstEvent = !knownTenants.contains(e.getTenantId());
        List<BudgetPolicy> registering = unregistered(e.getTenantId());
        Map<String, long[]> newTotals = new HashMap<>();
        Map<String, Counter> newCounters = new HashMap<>();
        Map<String, Long> newRolling = new HashMap<>();
        List<String> newBreaches = new ArrayList<>();
        long cost;
        boolean unpriced;
        try {
            Long explicit = e.getCostMicros();
            Long rated = explicit != null ? explicit : rate(e);
            unpriced = rated == null;
            cost = unpriced ? 0 : rated;
            addTotals(e, cost, unpriced, newTotals);
            count(e, cost, countedAt, newCounters, newRolling, newBreaches);
        } catch (Overflow tooBig) {
            out.count("out rejected this input");
            return;
        }
        firstSeen.put(seenKey, countedAt);
        List<Counted> before = List.copyOf(counted);
        counted.add(new Counted(e, cost));
        totals.putAll(newTotals);
        counters.putAll(newCounters);
        rolling.putAll(newRolling);
        for (String breach : newBreaches) {
            breaches.add(breach);
            out.count("out breach " + breach);
        }
        settle(e, cost);
        knownTenants.add(e.getTenantId());
        register(registering, !firstEvent, before);
    }

    // ---- seeds: a policy's counters start from what was counted before it ----

    /** The tenant's calendar policies not registered yet. */
    private List<BudgetPolicy> unregistered(String tenant) {
        List<BudgetPolicy> out = new ArrayList<>();
        for (BudgetPolicy policy : policies.all()) {
            if (policy.getTenantId().equals(tenant) && !TopologyModelPolicies.rolling(policy)
                    && !registered.contains(policy.getTenantId() + "|" + policy.getPolicyId())) {
                out.add(policy);
            }
        }
        return out;
    }

    /**
     * Registers policies at stream time S; unless nothing of the tenant was counted before, each
     * gets, in every period overlapping [S - grace, S + skew], what the events counted before
     * added for each member it governs (when the reports can sum it: at most one filter list, not
     * endpoints), saturating at Long.MAX_VALUE, with the breaches that crosses.
     */
    private void register(List<BudgetPolicy> registering, boolean seeded, List<Counted> before) {
        for (BudgetPolicy policy : registering) {
            registered.add(policy.getTenantId() + "|" + policy.getPolicyId());
            if (seeded && answerable(policy)) {
                applySeed(policy, before);
            }
        }
    }

    private static boolean answerable(BudgetPolicy policy) {
        var f = policy.getFilters();
        int lists = (f.getModels().isEmpty() ? 0 : 1) + (f.getProviders().isEmpty() ? 0 : 1) + (f.getFeatures().isEmpty() ? 0 : 1);
        return f.getEndpoints().isEmpty() && lists <= 1;
    }

    private void applySeed(BudgetPolicy policy, List<Counted> before) {
        long s = streamTime;
        for (long[] period = TopologyModelPolicies.period(policy, s - GRACE_MS); period[0] <= s + SKEW_MS;
             period = TopologyModelPolicies.period(policy, period[1])) {
            TreeMap<String, BigInteger> amounts = new TreeMap<>();
            for (Counted c : before) {
                UsageEvent e = c.event();
                long at = e.getOccurredAt().toEpochMilli();
                if (!e.getTenantId().equals(policy.getTenantId()) || at < period[0] || at >= period[1]
                        || !TopologyModelPolicies.counts(policy, call(e))) {
                    continue;
                }
                for (String member : TopologyModelPolicies.members(policy.getSubject().getType(), call(e))) {
                    if ("*".equals(policy.getSubject().getId()) || policy.getSubject().getType() == SubjectType.tenant
                            || policy.getSubject().getId().equals(member)) {
                        amounts.merge(member, TopologyModelPolicies.amount(policy, e.getInputTokens(), e.getOutputTokens(),
                                e.getReasoningTokens(), e.getRequests(), c.cost()), BigInteger::add);
                    }
                }
            }
            long crossingAt = Math.max(period[0], Math.min(s, period[1] - 1));
            for (Map.Entry<String, BigInteger> amount : amounts.entrySet()) {
                if (amount.getValue().signum() > 0 && policies.governsNow(policy, amount.getKey())) {
                    addSeed(policy, amount.getKey(), period, amount.getValue(), crossingAt);
                }
            }
        }
    }

    private void addSeed(BudgetPolicy policy, String member, long[] period, BigInteger amount, long crossingAt) {
        String key = TopologyModelKeys.counter(policy.getTenantId(), policy.getPolicyId(), member, period[0]);
        Counter before = counters.get(key);
        BigInteger sum = amount.add(big(before == null ? 0 : before.used()));
        long used = sum.compareTo(LONG_MAX) > 0 ? Long.MAX_VALUE : sum.longValueExact();
        TreeSet<Integer> crossed = before == null ? new TreeSet<>() : new TreeSet<>(before.crossed());
        for (int threshold : policy.getThresholds()) {
            if (!crossed.contains(threshold) && used > 0
                    && big(used).compareTo(TopologyModelPolicies.percentOf(policy.getLimit(), threshold)) >= 0) {
                crossed.add(threshold);
                String breach = TopologyModelSnapshot.breachText(policy.getTenantId(), policy.getPolicyId(),
                        policy.getSubject().getType().name(), member, policy.getMetric().name(), period[0], period[1], threshold,
                        policy.getLimit(), used, "seed:" + policy.getPolicyId(), crossingAt);
                breaches.add(breach);
                out.count("out breach " + breach);
            }
        }
        counters.put(key, new Counter(used, crossed, before == null ? period[1] : before.end(), before == null ? 0 : before.late()));
    }

    private static boolean valid(UsageEvent e, String key, long recordTime) {
        return e.getTenantId() != null && !e.getTenantId().isBlank() && e.getEventId() != null && !e.getEventId().isBlank()
                && e.getOccurredAt().toEpochMilli() <= recordTime + SKEW_MS
                && e.getInputTokens() >= 0 && e.getOutputTokens() >= 0 && e.getCachedInputTokens() >= 0
                && e.getReasoningTokens() >= 0 && e.getRequests() >= 0 && e.getCachedInputTokens() <= e.getInputTokens()
                && (e.getCostMicros() == null || e.getCostMicros() >= 0) && (e.getLatencyMs() == null || e.getLatencyMs() >= 0)
                && (e.getCurrency() == null || CURRENCY.matcher(e.getCurrency()).matches()) && e.getStatus() != null
                && e.getTenantId().equals(key);
    }

    /**
     * The cost from the price in force at occurred_at, or null when there is none: uncached input
     * at the input price, cached input at the cached price, output and reasoning at the output
     * price, per million tokens, rounded once half to even.
     */
    private Long rate(UsageEvent e) {
        if (e.getProvider() == null || e.getModel() == null) {
            return null;
        }
        TreeMap<Long, long[]> history = prices.get(e.getProvider() + "/" + e.getModel());
        var entry = history == null ? null : history.floorEntry(e.getOccurredAt().toEpochMilli());
        if (entry == null) {
            return null;
        }
        long[] p = entry.getValue();
        BigInteger scaled = big(e.getInputTokens() - e.getCachedInputTokens()).multiply(big(p[0]))
                .add(big(e.getCachedInputTokens()).multiply(big(p[1])))
                .add(big(e.getOutputTokens()).add(big(e.getReasoningTokens())).multiply(big(p[2])));
        BigInteger[] qr = scaled.divideAndRemainder(MILLION);
        int twiceRemainder = qr[1].shiftLeft(1).compareTo(MILLION);
        BigInteger rounded = twiceRemainder > 0 || twiceRemainder == 0 && qr[0].testBit(0) ? qr[0].add(BigInteger.ONE) : qr[0];
        return fit(rounded);
    }

    private void addTotals(UsageEvent e, long cost, boolean unpriced, Map<String, long[]> staged) {
        long at = e.getOccurredAt().toEpochMilli();
        String month = YearMonth.from(e.getOccurredAt().atZone(ZoneOffset.UTC)).toString();
        long[] add = {cost, e.getInputTokens(), e.getOutputTokens(), e.getCachedInputTokens(), e.getReasoningTokens(),
                e.getRequests(), 1, e.getStatus() == UsageStatus.error ? 1 : 0, unpriced ? 1 : 0,
                e.getLatencyMs() == null ? 0 : e.getLatencyMs()};
        for (String[] scope : scopes(e)) {
            String key = TopologyModelKeys.scope(e.getTenantId(), SubjectType.valueOf(scope[0]), scope[1]);
            if (scope[0].equals("tenant")) {
                addTo(staged, TopologyModelSnapshot.totalsLine("minute", key, Math.floorDiv(at, TopologyModelSteps.MINUTE)
                        * TopologyModelSteps.MINUTE), add);
            }
            addTo(staged, TopologyModelSnapshot.totalsLine("hour", key, Math.floorDiv(at, HOUR) * HOUR), add);
            addTo(staged, TopologyModelSnapshot.totalsLine("day", key, Math.floorDiv(at, TopologyModelSteps.DAY) * TopologyModelSteps.DAY),
                    add);
            addTo(staged, TopologyModelSnapshot.totalsLine("month", TopologyModelKeys.month(key, month), null), add);
        }
    }

    private void addTo(Map<String, long[]> staged, String line, long[] add) {
        long[] current = staged.getOrDefault(line, totals.getOrDefault(line, new long[add.length]));
        long[] next = new long[add.length];
        for (int i = 0; i < add.length; i++) {
            next[i] = fit(big(current[i]).add(big(add[i])));
        }
        staged.put(line, next);
    }

    /** The scopes an event counts toward, as {type, id}: its tenant, each team once, and each dimension it names. */
    private static List<String[]> scopes(UsageEvent e) {
        List<String[]> scopes = new ArrayList<>();
        scopes.add(new String[] {"tenant", e.getTenantId()});
        e.getTeamIds().stream().distinct().forEach(team -> scopes.add(new String[] {"team", team}));
        String[][] named = {{"user", e.getUserId()}, {"api_key", e.getApiKeyId()}, {"feature", e.getFeature()},
                {"provider", e.getProvider()}, {"model", e.getModel()}};
        for (String[] scope : named) {
            if (scope[1] != null && !scope[1].isEmpty()) {
                scopes.add(scope);
            }
        }
        return scopes;
    }

    /**
     * Adds to every governing budget: a calendar period still open at {@code countedAt} in its own
     * counter; a closed one (late usage) in the counter of the period at stream time, as a late
     * adjustment crossing at stream time; a rolling window that slid past {@code countedAt} nowhere.
     */
    private void count(UsageEvent e, long cost, long countedAt, Map<String, Counter> staged, Map<String, Long> stagedRolling,
                       List<String> newBreaches) {
        long at = e.getOccurredAt().toEpochMilli();
        for (Budget budget : policies.budgets(call(e))) {
            BudgetPolicy policy = budget.policy();
            long amount = fit(TopologyModelPolicies.amount(policy, e.getInputTokens(), e.getOutputTokens(), e.getReasoningTokens(),
                    e.getRequests(), cost));
            if (TopologyModelPolicies.rolling(policy)) {
                if (at + policy.getPeriod().getDurationMs() <= countedAt) {
                    continue;
                }
                long bucketMs = Math.max(1_000, Math.ceilDiv(policy.getPeriod().getDurationMs(), 60));
                String key = TopologyModelKeys.rolling(policy.getTenantId(), policy.getPolicyId(), budget.member()) + "@"
                        + Math.floorDiv(at, bucketMs) * bucketMs;
                stagedRolling.put(key, fit(big(stagedRolling.getOrDefault(key, rolling.getOrDefault(key, 0L))).add(big(amount))));
                continue;
            }
            long[] own = TopologyModelPolicies.period(policy, at);
            boolean late = own[1] <= countedAt;
            long[] period = late ? TopologyModelPolicies.period(policy, streamTime) : own;
            long crossingAt = late ? streamTime : at;
            String key = TopologyModelKeys.counter(policy.getTenantId(), policy.getPolicyId(), budget.member(), period[0]);
            Counter before = staged.getOrDefault(key, counters.get(key));
            long used = before != null ? fit(big(before.used()).add(big(amount))) : amount;
            long lateAmount = (before == null ? 0 : before.late()) + (late ? amount : 0);
            TreeSet<Integer> crossed = before == null ? new TreeSet<>() : new TreeSet<>(before.crossed());
            for (int threshold : policy.getThresholds()) {
                if (!crossed.contains(threshold) && used > 0
                        && big(used).compareTo(TopologyModelPolicies.percentOf(policy.getLimit(), threshold)) >= 0) {
                    crossed.add(threshold);
                    newBreaches.add(TopologyModelSnapshot.breachText(policy.getTenantId(), policy.getPolicyId(),
                            policy.getSubject().getType().name(), budget.member(), policy.getMetric().name(), period[0], period[1],
                            threshold, policy.getLimit(), used, e.getEventId(), crossingAt));
                }
            }
            staged.put(key, new Counter(used, crossed, before == null ? period[1] : before.end(), lateAmount));
        }
    }

    private static Call call(UsageEvent e) {
        return new Call(e.getTenantId(), e.getTeamIds(), e.getUserId(), e.getApiKeyId(), e.getFeature(), e.getEndpoint(),
                e.getProvider(), e.getModel());
    }

    // ---- holds ----

    /** The wall clock moves on: placed holds past their expiry expire (and the expiry comes back on the holds topic). */
    private void advance(long ms) {
        if (ms > 0) {
            now += ms;
            // the task's book scan (every 100 ms of wall clock) registers new policies of tenants it knows, before expiries come back
            List<BudgetPolicy> registering = new ArrayList<>();
            for (String tenant : new TreeSet<>(knownTenants)) {
                registering.addAll(unregistered(tenant));
            }
            register(registering, true, List.copyOf(counted));
            if (holds.expire(now, out)) {
                streamTime = Math.max(streamTime, now);
            }
        }
    }

    private void settle(UsageEvent e, long cost) {
        if (holds.settle(e, cost, out)) {
            // the settled event carries the usage's event time and comes back to the task on the holds topic
            streamTime = Math.max(streamTime, e.getOccurredAt().toEpochMilli());
        }
    }

    private void hold(HoldEvent request) {
        streamTime = Math.max(streamTime, request.getOccurredAt().toEpochMilli());
        holds.request(request, out);
    }

    /** What a hold weighs for a calendar budget: its counter, or what a new counter would start from. */
    private long used(BudgetPolicy policy, String member, long[] period) {
        Counter counter = counters.get(TopologyModelKeys.counter(policy.getTenantId(), policy.getPolicyId(), member, period[0]));
        return counter != null ? counter.used() : 0;
    }

    /** The usage in a rolling window at {@code at}: the sub-buckets starting in (at - duration, at]. */
    private long rollingUsed(BudgetPolicy policy, String member, long at) {
        long duration = policy.getPeriod().getDurationMs();
        String prefix = TopologyModelKeys.rolling(policy.getTenantId(), policy.getPolicyId(), member) + "@";
        BigInteger sum = BigInteger.ZERO;
        for (Map.Entry<String, Long> bucket : rolling.entrySet()) {
            if (bucket.getKey().startsWith(prefix)) {
                long start = Long.parseLong(bucket.getKey().substring(prefix.length()));
                if (start > at - duration && start <= at) {
                    sum = sum.add(big(bucket.getValue()));
                }
            }
        }
        return fit(sum);
    }

    // ---- what the stores should hold ----

    TopologyModelSnapshot stores() {
        TopologyModelSnapshot s = new TopologyModelSnapshot();
        // every scope's months as the reporting part reads them; the tenant's also as enforcement's overflow bound
        totals.forEach((line, value) -> {
            if (line.startsWith("totals month ")) {
                s.put(line, TopologyModelSnapshot.totalsValue(value));
                if (line.substring("totals month ".length()).split("\\|")[1].equals("tenant")) {
                    s.put(line.replace("totals month ", "totals tenant-month "), TopologyModelSnapshot.totalsValue(value));
                }
            }
        });
        counters.forEach((key, c) -> {
            if (c.end() >= counterHorizon()) {
                s.put(TopologyModelSnapshot.counterLine(key), TopologyModelSnapshot.counterValue(c.used(), List.copyOf(c.crossed()), c.late()));
            }
        });
        rolling.forEach((key, amount) -> {
            int at = key.lastIndexOf('@');
            s.put(TopologyModelSnapshot.rollingLine(key.substring(0, at), Long.parseLong(key.substring(at + 1))), Long.toString(amount));
        });
        holds.snapshot(s);
        firstSeen.forEach((key, at) -> s.put(TopologyModelSnapshot.dedupeLine(key, at), "seen"));
        breaches.forEach(b -> s.count("breach-store " + b));
        return s;
    }

    /**
     * Counters of periods that ended more than the late grace before stream time can no longer be
     * reached (a later event goes to the current period) and may be dropped at any time: only later ones are
     * compared.
     */
    long counterHorizon() {
        return streamTime - GRACE_MS;
    }

    private static long fit(BigInteger value) {
        if (value.compareTo(LONG_MAX) > 0) {
            throw new Overflow();
        }
        return value.longValueExact();
    }

    private static BigInteger big(long value) {
        return BigInteger.valueOf(value);
    }
}
