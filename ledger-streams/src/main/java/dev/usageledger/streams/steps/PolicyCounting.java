package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.PolicySeed;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.live.RollingBuckets;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.rules.CallDimensions;
import dev.usageledger.streams.rules.PeriodCalendar;
import dev.usageledger.streams.rules.PolicyIndex;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.streams.rules.RollingWindow;
import dev.usageledger.streams.state.BreachStore;
import dev.usageledger.streams.state.PolicyBook;
import dev.usageledger.streams.state.PolicyCounterStore;
import dev.usageledger.streams.state.PolicyIndexCache;
import dev.usageledger.streams.state.RollingCounterStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Adds each rated event to the period counter of every policy that governs it (one counter per
 * policy, member and period, so a check reads one value per policy), and emits a
 * {@link BudgetBreach} the first time a counter reaches each threshold. The counter and the record
 * of emitted thresholds change in one store write, so under exactly-once a breach is emitted once
 * per policy, member, period and threshold, across crashes and replays. Every count is computed
 * before any is written (as {@link EventChanges}): an event that would overflow a counter is
 * counted nowhere.
 *
 * <p>A tenant's task counts the tenant's policies; global policies (a provider's or a model's limit
 * over every tenant) are counted by the global task, with the same rules over its own stores, which
 * also publishes each counter it changes on the global counters topic (ADR 0003).
 */
final class PolicyCounting {
    private final PolicyBook policies;
    private final BreachStore.Writable breaches;
    private final PolicyCounterStore.Writable counters;
    private final RollingCounterStore.Writable rolling;
    private final PolicyIndexCache indexes;
    private final LiveState live;
    private final int partition;
    private final long lateGraceMs;
    private final long breachRetentionMs;
    private final boolean global;
    private final String breachesSink;

    /** The counting of a tenant's task: its tenants' policies, not the global ones. */
    PolicyCounting(ProcessorContext<?, ?> context, PolicyIndexCache indexes, LiveState live, Duration lateGrace,
                   Duration breachRetention) {
        this(context, indexes, live, lateGrace, breachRetention, false);
    }

    /** @param global whether this is the global task's counting (global policies only, no rolling windows) */
    PolicyCounting(ProcessorContext<?, ?> context, PolicyIndexCache indexes, LiveState live, Duration lateGrace,
                   Duration breachRetention, boolean global) {
        this.global = global;
        this.breachesSink = global ? Names.GLOBAL_BREACHES_SINK : Names.BREACHES_SINK;
        this.policies = new PolicyBook(context.getStateStore(Names.POLICY_STORE));
        this.counters = new PolicyCounterStore.Writable(context.getStateStore(global ? Names.GLOBAL_POLICY_COUNTER_STORE
                : Names.POLICY_COUNTER_STORE));
        this.rolling = global ? null : new RollingCounterStore.Writable(context.getStateStore(Names.ROLLING_COUNTER_STORE));
        this.breaches = new BreachStore.Writable(context.getStateStore(global ? Names.GLOBAL_BREACH_STORE : Names.BREACH_STORE));
        this.indexes = indexes;
        this.live = live;
        this.partition = context.taskId().partition();
        this.lateGraceMs = lateGrace.toMillis();
        this.breachRetentionMs = breachRetention.toMillis();
        live.counters().open(partition);
        if (!global) {
            live.rolling().open(partition);
        }
    }

    /** The tenant's policies, as the book holds them now. */
    PolicyIndex index(String tenant) {
        return indexes.forTenant(policies, tenant);
    }

    /** The policy {@code policyId} as the book holds it now, or null. */
    BudgetPolicy policy(String policyId) {
        return policies.byId(policyId);
    }

    PolicyBook book() {
        return policies;
    }

    /** Drops the live copies of the partition's counters: the task's processors are closing. */
    void close() {
        live.counters().close(partition);
        if (!global) {
            live.rolling().close(partition);
        }
    }

    /**
     * The event's counts, counter by counter, and the breaches they raise, as changes; {@code countedAt}
     * is the event's counted time (its occurred_at, or the late grace's edge for older events). A
     * period that ended by then is closed: its decisions are over and enforcement no longer keeps its
     * counter (ADR 0002). Imported history in a closed period touches no counter; late live usage in
     * one is added to the current period (the one holding the newest event seen, the grace after
     * {@code countedAt}) as an adjustment, so late spend is never lost to the budgets. Breaches
     * raised by imported history say so.
     *
     * @return whether a policy of the other kind governs the event: for a tenant's task, a global
     *     policy, so the event goes to the global task too
     */
    boolean add(RatedUsage usage, PolicyIndex index, long countedAt, Arrival arrival, EventChanges changes) {
        if (index.isEmpty()) {
            return false;
        }
        boolean otherKind = false;
        CallDimensions call = CallDimensions.of(usage.event());
        for (SubjectType type : index.types()) {
            for (String member : PolicyRules.members(type, call)) {
                for (BudgetPolicy policy : index.governing(type, member)) {
                    if (!PolicyRules.admits(policy.getFilters(), call) || index.overridden(policy, call, usage.event().getOccurredAt())) {
                        continue;
                    }
                    if (PolicyRules.isGlobal(policy) != global) {
                        otherKind = true;
                        continue;
                    }
                    if (PeriodCalendar.isFixed(policy.getPeriod())) {
                        count(policy, member, usage, countedAt, arrival, changes);
                    } else if (!global) {
                        countRolling(policy, member, usage, countedAt, changes);
                    }
                }
            }
        }
        return otherKind;
    }

    private void count(BudgetPolicy policy, String member, RatedUsage usage, long countedAt, Arrival arrival, EventChanges changes) {
        Instant occurredAt = usage.event().getOccurredAt();
        PeriodWindow period = PeriodCalendar.windowAt(policy.getPeriod(), occurredAt);
        long amount = PolicyRules.amount(policy, usage);
        if (period.end().toEpochMilli() > countedAt) {
            if (!PolicyRules.appliesAt(policy, occurredAt)) {
                return; // a one-off budget counts its own window only
            }
            add(policy, member, period, amount, Addition.USAGE, usage.event().getEventId(), occurredAt, countedAt,
                    arrival == Arrival.IMPORTED, changes);
        } else if (arrival == Arrival.LATE) {
            long now = countedAt + lateGraceMs;
            PeriodWindow current = PeriodCalendar.windowAt(policy.getPeriod(), Instant.ofEpochMilli(now));
            if (!PolicyRules.appliesAt(policy, current.start())) {
                return;
            }
            add(policy, member, current, amount, Addition.LATE, usage.event().getEventId(), Instant.ofEpochMilli(now), now, false,
                    changes);
        }
    }

    /** What an amount added to a counter is: usage of its period, late usage of a closed one, or a seed (saturating: held at Long.MAX_VALUE rather than refused). */
    private enum Addition { USAGE, LATE, SEED }

    /**
     * Adds a seed's amounts to the counters of one period of a policy, for the members it governs,
     * creating the counters not counted in yet, and raises the breaches they now cross. Their
     * crossing "event" is the seed, {@code seed:<policy-id>}: the usage counted before the policy
     * was registered at {@code registeredAt} (given as the crossing time, within the period).
     */
    void seed(BudgetPolicy policy, PolicySeed seed, long registeredAt, long decidedAt, EventChanges changes) {
        PeriodWindow period = new PeriodWindow(seed.getPeriodStart(), seed.getPeriodEnd());
        PolicyIndex index = index(policy.getTenantId());
        SubjectType type = policy.getSubject().getType();
        Instant crossingAt = Instant.ofEpochMilli(Math.max(period.start().toEpochMilli(),
                Math.min(registeredAt, period.end().toEpochMilli() - 1)));
        for (Map.Entry<String, Long> amount : new TreeMap<>(seed.getAmounts()).entrySet()) {
            if (governs(index, type, amount.getKey(), policy.getPolicyId())) {
                add(policy, amount.getKey(), period, amount.getValue(), Addition.SEED, SEED_CROSSING + policy.getPolicyId(), crossingAt,
                        decidedAt, false, changes);
            }
        }
    }

    /** The crossing event id of a breach a seed raised, before the policy id. */
    static final String SEED_CROSSING = "seed:";

    private static boolean governs(PolicyIndex index, SubjectType type, String member, String policyId) {
        for (BudgetPolicy governing : index.governing(type, member)) {
            if (governing.getPolicyId().equals(policyId)) {
                return true;
            }
        }
        return false;
    }

    /** Adds to one counter and raises the breaches it crosses. */
    private void add(BudgetPolicy policy, String member, PeriodWindow period, long amount, Addition addition, String crossingEventId,
                     Instant crossingAt, long decidedAt, boolean imported, EventChanges changes) {
        String key = PolicyCounterStore.key(policy.getTenantId(), policy.getPolicyId(), member, period.start());
        PolicyCounter before = live.counters().read(partition, key, counters::get);
        PolicyCounter current = before != null ? before : PolicyCounter.zero(period.end().toEpochMilli());
        PolicyCounter after = switch (addition) {
            case USAGE -> current.plus(amount);
            case LATE -> current.plusLate(amount);
            case SEED -> current.plusSaturating(amount);
        };
        for (int threshold : PolicyRules.judges(policy) ? policy.getThresholds() : List.<Integer>of()) {
            if (after.used() > 0 && after.used() >= PolicyRules.boundary(policy.getLimit(), threshold)
                    && !after.hasCrossed(threshold)) {
                after = after.withCrossed(threshold);
                BudgetBreach breach = breach(policy, member, period, threshold, after.used(), crossingEventId, crossingAt, decidedAt,
                        imported);
                changes.write(() -> breaches.put(breach));
                changes.send(breachesSink, new Record<>(policy.getTenantId(), breach, decidedAt));
            }
        }
        PolicyCounter counted = after;
        changes.write(() -> {
            counters.put(key, counted);
            live.counters().written(partition, key, counted);
        });
        if (global) { // what every instance's checks read
            changes.send(Names.GLOBAL_COUNTERS_SINK, new Record<>(key, counted, decidedAt));
        }
    }

    /**
     * Adds to the rolling window's sub-bucket. Rolling windows are rate limits: they are enforced
     * when a call is checked (with a retry-after), and raise no breach events, which would repeat
     * every time the window slides.
     */
    private void countRolling(BudgetPolicy policy, String member, RatedUsage usage, long countedAt, EventChanges changes) {
        long duration = RollingWindow.durationMs(policy.getPeriod());
        long occurredAt = usage.event().getOccurredAt().toEpochMilli();
        if (occurredAt + duration <= countedAt) {
            return; // a window that slid past the call before it was counted: no check can see it any more
        }
        long bucket = RollingWindow.bucketStart(occurredAt, duration);
        String key = RollingCounterStore.key(policy.getTenantId(), policy.getPolicyId(), member);
        RollingBuckets copy = live.rolling().copied(partition, key);
        boolean covered = copy != null && copy.covers(bucket);
        Long current = covered ? copy.amountAt(bucket) : rolling.bucket(key, bucket);
        long amount = Math.addExact(current == null ? 0 : current, PolicyRules.amount(policy, usage));
        changes.write(() -> {
            rolling.put(key, bucket, amount);
            live.rolling().written(partition, key, covered ? copy.with(bucket, amount, duration)
                    : rolling.copyFrom(key, RollingWindow.firstBucketInWindow(bucket, duration)));
        });
    }

    /**
     * Drops counters of periods that ended more than the late grace before stream time: no event
     * counts in them any more (a later one goes to the current period, or for history nowhere). Stream time, not the wall clock,
     * so a replay drops exactly what the live run dropped.
     */
    void expire(long streamTime) {
        expire(streamTime, key -> { });
    }

    /** As {@link #expire(long)}, giving each dropped counter's key to {@code dropped} (the global task unpublishes it). */
    void expire(long streamTime, java.util.function.Consumer<String> dropped) {
        counters.removeEndedBefore(streamTime - lateGraceMs, key -> {
            live.counters().written(partition, key, null);
            dropped.accept(key);
        });
        breaches.removeCrossedBefore(streamTime - breachRetentionMs);
    }

    private static BudgetBreach breach(BudgetPolicy policy, String member, PeriodWindow period, int threshold, long used,
                                       String crossingEventId, Instant crossingAt, long decidedAt, boolean imported) {
        return BudgetBreach.newBuilder()
                .setTenantId(policy.getTenantId())
                .setPolicyId(policy.getPolicyId())
                .setSubject(new Subject(policy.getSubject().getType(), member))
                .setMetric(policy.getMetric())
                .setPeriodStart(period.start())
                .setPeriodEnd(period.end())
                .setThreshold(threshold)
                .setLimit(policy.getLimit())
                .setUsedAtCrossing(used)
                .setCrossingEventId(crossingEventId)
                .setCrossingOccurredAt(crossingAt)
                .setDecidedAt(Instant.ofEpochMilli(decidedAt))
                .setFoundByImport(imported)
                .build();
    }
}
