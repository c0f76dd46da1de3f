package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.avro.SeedPeriod;
import dev.usageledger.schemas.avro.SeedRequest;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.rules.PeriodCalendar;
import dev.usageledger.streams.rules.PeriodSpec;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.PolicyIndex;
import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.streams.state.PolicyBook;
import dev.usageledger.streams.state.PolicyIndexCache;
import dev.usageledger.streams.state.PolicySeedStore;
import dev.usageledger.streams.state.PolicySeedStore.Mark;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Registers policies on the task's partition, so their counters start from what was counted
 * before them (decision record 0001, "Seeding, second design"). A policy is registered before
 * the first event it governs is counted, or sooner, when the book changes; a tenant's first event
 * on the partition registers every policy of the tenant as seeded (there was nothing before it).
 * Otherwise the policy is marked pending and one seed request goes to the rated topic, behind
 * every counted event before it; the reporting part answers on the seeds topic.
 */
final class PolicySeeding {
    private static final int MEMO_MAX = 100_000;
    /** At most this many periods per request (the latest): an interval policy of minutes would otherwise ask for thousands. */
    static final int MAX_PERIODS = 400;

    private final ProcessorContext<String, Object> context;
    private final PolicySeedStore.Writable seeds;
    private final PolicyBook book;
    private final PolicyIndexCache indexes;
    private final long lateGraceMs;
    private final long maxFutureSkewMs;
    private final int partition;
    /** Per tenant, the index whose policies are all registered here. */
    private final Map<String, PolicyIndex> registered = new HashMap<>();
    private final Set<String> tenantsSeen = new HashSet<>();
    private long scannedVersion = -1;

    PolicySeeding(ProcessorContext<String, Object> context, PolicySeedStore.Writable seeds, PolicyBook book, PolicyIndexCache indexes,
                  long lateGraceMs, long maxFutureSkewMs) {
        this.context = context;
        this.seeds = seeds;
        this.book = book;
        this.indexes = indexes;
        this.lateGraceMs = lateGraceMs;
        this.maxFutureSkewMs = maxFutureSkewMs;
        this.partition = context.taskId().partition();
    }

    /**
     * Before an event of {@code tenant} is counted: registers each of the tenant's policies not
     * registered here yet (as changes, made with the event's own), the tenant too on its first event.
     */
    void beforeCounting(String tenant, PolicyIndex index, long usageOffset, EventChanges changes) {
        if (registered.get(tenant) == index) {
            return;
        }
        boolean firstEvent = !knowsTenant(tenant);
        if (firstEvent) {
            changes.write(() -> seeds.tenantSeen(tenant));
        }
        for (BudgetPolicy policy : index.policies()) {
            if (seeded(policy) && seeds.mark(tenant, policy.getPolicyId()) == null) {
                register(policy, firstEvent, usageOffset, changes);
            }
        }
        changes.write(() -> remember(tenant, index));
    }

    /**
     * The book changed: registers now the new policies of every tenant with events here, so that
     * their seeds are on the way before a check asks. Punctuated, with the usage offset last processed.
     */
    void afterBookChange(long usageOffset) {
        long version = indexes.version();
        if (version == scannedVersion) {
            return;
        }
        scannedVersion = version;
        EventChanges changes = new EventChanges();
        for (BudgetPolicy policy : book.all()) {
            if (seeded(policy) && seeds.mark(policy.getTenantId(), policy.getPolicyId()) == null && knowsTenant(policy.getTenantId())) {
                register(policy, false, usageOffset, changes);
            }
        }
        changes.apply(context);
    }

    private void register(BudgetPolicy policy, boolean nothingBefore, long usageOffset, EventChanges changes) {
        long streamTime = context.currentStreamTimeMs();
        if (nothingBefore || streamTime < 0) {
            changes.write(() -> seeds.put(policy.getTenantId(), policy.getPolicyId(), Mark.SEEDED));
            return;
        }
        List<Subject> overriddenFor = indexes.forTenant(book, policy.getTenantId()).overriddenFor(policy);
        if (overriddenFor == null) {
            // overrides that replace it for part of their members' calls: no sum of the reports says what it
            // counted, so it counts from its registration on, like a budget the reports cannot answer for
            changes.write(() -> seeds.put(policy.getTenantId(), policy.getPolicyId(), Mark.SEEDED));
            return;
        }
        String requestId = UUID.randomUUID().toString();
        SeedRequest request = SeedRequest.newBuilder().setRequestId(requestId).setPolicy(policy)
                .setPeriods(periods(PeriodSpec.from(policy.getPeriod()), streamTime - lateGraceMs, streamTime + maxFutureSkewMs))
                .setOverriddenFor(overriddenFor).build();
        RatedUsageEvent carrier = RatedUsageEvent.newBuilder().setUsage(null).setCostMicros(0).setUnpriced(false)
                .setSourcePartition(partition).setSourceOffset(usageOffset).setSeedRequest(request).build();
        changes.write(() -> seeds.put(policy.getTenantId(), policy.getPolicyId(), Mark.pending(requestId)));
        changes.send(Names.RATED_SINK, new Record<>(policy.getTenantId(), carrier, streamTime));
        changes.write(context::commit); // the answer waits for this request to be committed: ask for it soon
    }

    /**
     * The periods that can hold usage counted before a registration at stream time S: those
     * overlapping {@code [S - late grace, S + future skew]}. An event counted before had a publish
     * time of at most S and occurred at most the skew after it; one counted after, in a period
     * ending before {@code S - grace}, is counted in the current period (late usage) or in no
     * counter (history). A seed sums usage by when it occurred: late usage adjusted into a period
     * before the policy existed is not in its counter.
     */
    static List<SeedPeriod> periods(PeriodSpec spec, long fromMs, long toMs) {
        List<SeedPeriod> periods = new ArrayList<>();
        PeriodWindow window = PeriodCalendar.windowAt(spec, Instant.ofEpochMilli(fromMs));
        while (window.start().toEpochMilli() <= toMs) {
            periods.add(new SeedPeriod(window.start(), window.end()));
            window = PeriodCalendar.next(spec, window);
        }
        return periods.size() <= MAX_PERIODS ? periods : List.copyOf(periods.subList(periods.size() - MAX_PERIODS, periods.size()));
    }

    /** Calendar and interval policies have counters to seed; rolling windows are rate limits, counted from their registration. */
    private static boolean seeded(BudgetPolicy policy) {
        // a global policy counts every tenant's usage from its registration: no one partition's reports can seed it
        return PeriodCalendar.isFixed(policy.getPeriod()) && !PolicyRules.isGlobal(policy);
    }

    private boolean knowsTenant(String tenant) {
        if (tenantsSeen.contains(tenant)) {
            return true;
        }
        boolean known = seeds.knowsTenant(tenant);
        if (known) {
            if (tenantsSeen.size() >= MEMO_MAX) {
                tenantsSeen.clear();
            }
            tenantsSeen.add(tenant);
        }
        return known;
    }

    private void remember(String tenant, PolicyIndex index) {
        if (registered.size() >= MEMO_MAX) {
            registered.clear();
        }
        registered.put(tenant, index);
        if (tenantsSeen.size() >= MEMO_MAX) {
            tenantsSeen.clear();
        }
        tenantsSeen.add(tenant);
    }
}
