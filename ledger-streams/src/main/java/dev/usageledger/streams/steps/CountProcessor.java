package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.PolicySeed;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.TopologyListener;
import dev.usageledger.streams.errors.UncountableEventException;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.model.CountedUsage;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.rules.KeyDirectory;
import dev.usageledger.streams.rules.PolicyIndex;
import dev.usageledger.streams.rules.Rating;
import dev.usageledger.streams.state.DedupeStore;
import dev.usageledger.streams.state.DirectoryBook;
import dev.usageledger.streams.state.DirectoryCache;
import dev.usageledger.streams.state.HeldStore;
import dev.usageledger.streams.state.HoldDueStore;
import dev.usageledger.streams.state.HoldStore;
import dev.usageledger.streams.state.MonthTotalsStore;
import dev.usageledger.streams.state.PolicyIndexCache;
import dev.usageledger.streams.state.PolicySeedStore;
import dev.usageledger.streams.state.PolicySeedStore.Mark;
import dev.usageledger.streams.state.PriceBook;
import dev.usageledger.streams.state.PriceHistoryCache;
import java.time.Duration;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Counts a valid usage event, wholly or not at all: dedupe, rating, the counter of every governing
 * policy with the breaches it raises, the hold it settles, and the counted event itself on the
 * rated topic (from which the reporting part keeps every scope's totals). One
 * processor judges the event through all of them and gathers every change ({@link EventChanges})
 * before making any, so an event that cannot be counted (a counter or its tenant's month would overflow, its
 * tokens cannot be rated) is rejected with nothing of it written — no dedupe mark, no counter,
 * no rated record — and a corrected re-send with the same id counts. It also registers policies
 * ({@link PolicySeeding}) and applies the seeds the reporting part answers.
 */
final class CountProcessor extends ContextualProcessor<String, Object, String, Object> {
    private static final Duration EXPIRY_INTERVAL = Duration.ofHours(1);
    /** How often the task looks for policies the book gained, to register them before a check asks. */
    private static final Duration BOOK_SCAN_INTERVAL = Duration.ofMillis(100);

    private final Duration dedupeHorizon;
    private final Duration lateGrace;
    private final Duration maxFutureSkew;
    private final Duration breachRetention;
    private final PolicyIndexCache indexes;
    private final PriceHistoryCache priceHistories;
    private final DirectoryCache directoryCache;
    private final LiveState live;
    private final TopologyListener listener;
    private PriceBook prices;
    private KeyDirectory directory;
    private Dedupe dedupe;
    private Aggregation aggregation;
    private PolicyCounting policies;
    private PolicySeedStore.Writable seedMarks;
    private PolicySeeding seeding;
    private long lastUsageOffset = -1;
    private Settlement settlement;
    private Sensor unpriced;

    CountProcessor(Duration dedupeHorizon, Duration lateGrace, Duration maxFutureSkew, Duration breachRetention,
                   PolicyIndexCache indexes, PriceHistoryCache priceHistories, DirectoryCache directoryCache, LiveState live,
                   TopologyListener listener) {
        this.dedupeHorizon = dedupeHorizon;
        this.lateGrace = lateGrace;
        this.maxFutureSkew = maxFutureSkew;
        this.breachRetention = breachRetention;
        this.indexes = indexes;
        this.priceHistories = priceHistories;
        this.directoryCache = directoryCache;
        this.live = live;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        super.init(context);
        prices = new PriceBook(context.getStateStore(Names.PRICE_STORE));
        DirectoryBook book = new DirectoryBook(context.getStateStore(Names.DIRECTORY_STORE));
        directory = (tenant, kind, id, at) -> directoryCache.inForce(book, tenant, kind, id, at);
        dedupe = new Dedupe(new DedupeStore(context.getStateStore(Names.DEDUPE_STORE)), dedupeHorizon);
        aggregation = new Aggregation(new MonthTotalsStore(context.getStateStore(Names.TOTALS_MONTH_STORE)));
        policies = new PolicyCounting(context, indexes, live, lateGrace, breachRetention);
        seedMarks = new PolicySeedStore.Writable(context.getStateStore(Names.POLICY_SEED_STORE));
        seeding = new PolicySeeding(context, seedMarks, policies.book(), indexes, lateGrace.toMillis(), maxFutureSkew.toMillis());
        live.direct().opened(context.taskId().partition(), Names.POLICY_SEED_STORE, context.getStateStore(Names.POLICY_SEED_STORE));
        context.schedule(BOOK_SCAN_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> seeding.afterBookChange(lastUsageOffset));
        settlement = new Settlement(new HoldStore.Writable(context.getStateStore(Names.HOLD_STORE)),
                new HeldStore.Writable(context.getStateStore(Names.HELD_STORE)),
                new HoldDueStore(context.getStateStore(Names.HOLD_DUE_STORE)), live, context.taskId().partition(), lateGrace);
        context.schedule(EXPIRY_INTERVAL, PunctuationType.STREAM_TIME, policies::expire);
        // ledger-unpriced-events-total / -rate, tagged with the task: events counted without a price
        unpriced = context.metrics().addRateTotalSensor("ledger", "task-" + context.taskId(), "unpriced-events",
                Sensor.RecordingLevel.INFO);
    }

    @Override
    public void close() {
        policies.close();
    }

    @Override
    public void process(Record<String, Object> record) {
        if (record.value() instanceof PolicySeed seed) {
            applySeed(seed, record.timestamp());
        } else {
            ValidUsage valid = (ValidUsage) record.value();
            UsageEvent completed = directory.completed(valid.event());
            // an event the directory completed is no longer the bytes it arrived in
            count(record.withValue(completed), completed == valid.event() ? valid.wire() : null, valid.arrival());
        }
    }

    /** Counts the event; {@code record}'s timestamp is when it counts (its occurred_at, or the late grace's edge for older events). */
    private void count(Record<String, UsageEvent> record, byte[] wire, Arrival arrival) {
        UsageEvent event = record.value();
        RecordMetadata source = context().recordMetadata().orElseThrow();
        lastUsageOffset = source.offset();
        if (dedupe.seen(event, record.timestamp())) {
            return;
        }
        RatedUsage usage;
        try {
            usage = rate(event);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new UncountableEventException("unratable", "event " + event.getEventId() + " cannot be rated: " + e.getMessage()
                    + "; nothing of it was counted", e);
        }
        EventChanges changes = new EventChanges();
        try {
            dedupe.mark(event, record.timestamp(), changes);
            aggregation.add(usage, changes);
            PolicyIndex index = policies.index(event.getTenantId());
            seeding.beforeCounting(event.getTenantId(), index, source.offset(), changes);
            boolean global = policies.add(usage, index, record.timestamp(), arrival, changes);
            settlement.settle(usage, record.timestamp(), changes);
            CountedUsage counted = counted(usage, wire);
            changes.send(Names.RATED_SINK, new Record<>(event.getTenantId(), counted, record.timestamp()));
            if (global) { // a global limit governs it: the global task counts it, from this transaction on
                changes.send(Names.GLOBAL_USAGE_SINK, new Record<>(event.getTenantId(), counted, record.timestamp()));
            }
        } catch (ArithmeticException e) {
            throw new UncountableEventException("amount_overflow", "event " + event.getEventId()
                    + " cannot be counted: a total or counter it changes would exceed " + Long.MAX_VALUE + " (" + e.getMessage()
                    + "); nothing of it was counted", e);
        }
        changes.apply(context());
        if (usage.unpriced()) {
            unpriced.record();
        }
        if (event.getHoldId() != null) {
            listener.holdApplied(event.getTenantId(), event.getHoldId());
        }
    }

    /**
     * Applies the reporting part's answer to a seed request, once: only while the policy waits for
     * that very request (a duplicate, or the answer to a request this task no longer waits for,
     * changes nothing). The last record of the answer ends the wait.
     */
    private void applySeed(PolicySeed seed, long timestamp) {
        Mark mark = seedMarks.mark(seed.getTenantId(), seed.getPolicyId());
        if (mark == null || !mark.pending() || !mark.requestId().equals(seed.getRequestId())) {
            return;
        }
        BudgetPolicy policy = policies.policy(seed.getPolicyId());
        EventChanges changes = new EventChanges();
        if (policy != null && seed.getAnswerable()) { // amounts saturate: a seed never fails
            policies.seed(policy, seed, timestamp, Math.max(timestamp, context().currentStreamTimeMs()), changes);
        }
        if (seed.getLast()) {
            changes.write(() -> seedMarks.put(seed.getTenantId(), seed.getPolicyId(), Mark.SEEDED));
        }
        changes.apply(context());
    }

    /** The event as counted, with where it is on the usage topic. */
    private CountedUsage counted(RatedUsage usage, byte[] wire) {
        RecordMetadata source = context().recordMetadata().orElseThrow();
        return new CountedUsage(usage.event(), wire, usage.costMicros(), usage.unpriced(), source.partition(), source.offset());
    }

    /** The caller's cost, else the price in force at {@code occurred_at}, else unpriced (cost 0). */
    private RatedUsage rate(UsageEvent event) {
        PriceChange price = event.getCostMicros() != null ? null
                : priceHistories.priceAt(prices, event.getProvider(), event.getModel(), event.getOccurredAt());
        Rating.Rated rated = Rating.rate(event.getCostMicros(), event.getInputTokens(), event.getCachedInputTokens(),
                event.getOutputTokens(), event.getReasoningTokens(), price);
        return new RatedUsage(event, rated.costMicros(), rated.unpriced());
    }
}
