package dev.usageledger.streams;

import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.EnforcementDecision;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.PolicySeed;
import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.registry.SchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.model.CountedUsage;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.model.RatedUsageSerializer;
import dev.usageledger.streams.state.BreachStore;
import dev.usageledger.streams.state.DedupeStore;
import dev.usageledger.streams.state.DirectoryBook;
import dev.usageledger.streams.state.DirectoryCache;
import dev.usageledger.streams.state.HeldStore;
import dev.usageledger.streams.state.HoldDueStore;
import dev.usageledger.streams.state.JournalEpochStore;
import dev.usageledger.streams.state.HoldStore;
import dev.usageledger.streams.state.MonthTotalsStore;
import dev.usageledger.streams.state.PolicyBook;
import dev.usageledger.streams.state.PolicyCounterStore;
import dev.usageledger.streams.state.PolicyIndexCache;
import dev.usageledger.streams.state.PolicySeedStore;
import dev.usageledger.streams.state.PriceBook;
import dev.usageledger.streams.state.PriceHistoryCache;
import dev.usageledger.streams.state.RejectedStore;
import dev.usageledger.streams.state.RollingCounterStore;
import dev.usageledger.streams.steps.Steps;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * The ledger's enforcement topology, built from configuration alone: validate, then count (dedupe, rate,
 * policy counters and breaches, settle holds, the counted event on the rated topic) wholly or not at all, and the holds
 * step — each a named processor, each store named in {@link Names} and built by its class in the
 * state layer ({@code dev.usageledger.streams.state}). Everything about a tenant is in that
 * tenant's task (the usage topic is keyed by tenant), so no step repartitions.
 */
public final class LedgerTopology {
    /** A rated record goes to the partition number its usage came from, marks included (they have no tenant). */
    private static final StreamPartitioner<String, Object> SAME_PARTITION_AS_USAGE =
            (topic, key, value, partitions) -> Optional.of(Set.of(value instanceof CountedUsage counted ? counted.sourcePartition()
                    : ((RatedUsageEvent) value).getSourcePartition()));

    /** The global usage topic has one partition: one task counts every global policy. */
    private static final StreamPartitioner<String, Object> TO_THE_GLOBAL_TASK = (topic, key, value, partitions) -> Optional.of(Set.of(0));

    private LedgerTopology() {
    }

    public static Topology build(LedgerStreamsConfig config, SchemaRegistryClient registry) {
        return build(config, registry, TopologyListener.NONE);
    }

    /** The topology, reporting applied offsets and book changes to {@code listener}. */
    public static Topology build(LedgerStreamsConfig config, SchemaRegistryClient registry, TopologyListener listener) {
        return build(config, registry, listener, new PolicyIndexCache(), new LiveState());
    }

    /**
     * The topology, keeping tenants' policy indexes in {@code policyIndexes}: a process that also
     * reads the policy book (the query service) passes its own cache in to share it, and copying
     * the values checks read into {@code live}.
     */
    public static Topology build(LedgerStreamsConfig config, SchemaRegistryClient registry, TopologyListener listener,
                                 PolicyIndexCache policyIndexes, LiveState live) {
        Topics topics = config.topics();
        PriceHistoryCache priceHistories = new PriceHistoryCache();
        DirectoryCache directory = new DirectoryCache();
        Topology topology = new Topology();
        topology.addSource(Names.USAGE_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.usage());
        topology.addProcessor(Names.VALIDATE, Steps.validate(registry, config.maxFutureSkew(), config.lateGrace(),
                config.retention(LedgerStreamsConfig.DAY_RETENTION_MS_CONFIG), listener), Names.USAGE_SOURCE);
        topology.addSink(Names.REJECTED_SINK, topics.rejected(), new ByteArraySerializer(), new ByteArraySerializer(), Names.VALIDATE);
        // One processor counts an event through every step (dedupe, rating, totals, policy counters and
        // breaches, settling its hold), so it can judge the event wholly before writing any of it.
        // the reporting part's answers to seed requests (what a new policy's members used before it), keyed
        // by tenant on the usage partition's number, applied by the same processor as the counts
        topology.addSource(Names.SEEDS_SOURCE, new StringDeserializer(), new AvroDeserializer<>(PolicySeed.class, registry), topics.seeds());
        topology.addProcessor(Names.COUNT, Steps.count(config.dedupeHorizon(), config.lateGrace(), config.maxFutureSkew(),
                config.retention(LedgerStreamsConfig.BREACH_RETENTION_MS_CONFIG), policyIndexes, priceHistories, directory, live, listener),
                Names.VALIDATE,
                Names.SEEDS_SOURCE);
        topology.addSink(Names.BREACHES_SINK, topics.breaches(), new StringSerializer(),
                new AvroSerializer<BudgetBreach>(registry, true, false), Names.COUNT);
        // usage a global policy governs (a provider's or a model's limit over every tenant, ADR 0003), to the global task
        topology.addSink(Names.GLOBAL_USAGE_SINK, topics.globalUsage(), new StringSerializer(), new RatedUsageSerializer(registry),
                TO_THE_GLOBAL_TASK, Names.COUNT);
        // the counted usage, one record per counted event, in the transaction that counts it, and
        // position marks (validate's): what reporting, audits and sinks read
        topology.addSink(Names.RATED_SINK, topics.rated(), new StringSerializer(), new RatedUsageSerializer(registry),
                SAME_PARTITION_AS_USAGE, Names.COUNT, Names.VALIDATE);
        // Holds: requests and voids arrive on their own topic, expiries on the holds topic, both keyed by
        // tenant like usage, so they are decided in the tenant's task; a counted usage event settles
        // the hold it names. Requests stay off the holds topic because the task writes that topic in
        // its transactions: a read_committed consumer sees nothing past an open transaction, so a
        // request behind one would wait for the task's next commit.
        topology.addSource(Names.HOLDS_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), topics.holdRequests(),
                topics.holds(), topics.holdJournal());
        topology.addProcessor(Names.HOLDS, Steps.holds(registry, topics.holdJournal(), policyIndexes, listener, config.lateGrace(), live),
                Names.HOLDS_SOURCE);
        topology.addSink(Names.HOLDS_SINK, topics.holds(), new StringSerializer(), new AvroSerializer<HoldEvent>(registry, true, false),
                Names.HOLDS, Names.COUNT);
        topology.addSink(Names.DECISIONS_SINK, topics.decisions(), new StringSerializer(),
                new AvroSerializer<EnforcementDecision>(registry, true, false), Names.HOLDS);
        topology.addSink(Names.HOLDS_REJECTED_SINK, topics.rejected(), new StringSerializer(), new ByteArraySerializer(), Names.HOLDS);

        Duration dedupeRetention = config.dedupeHorizon().plus(config.lateGrace());
        topology.addStateStore(DedupeStore.builder(dedupeRetention), Names.COUNT);
        topology.addStateStore(HoldStore.builder(), Names.HOLDS, Names.COUNT);
        topology.addStateStore(HeldStore.builder(), Names.HOLDS, Names.COUNT);
        topology.addStateStore(HoldDueStore.builder(), Names.HOLDS, Names.COUNT);
        topology.addStateStore(JournalEpochStore.builder(), Names.HOLDS);
        topology.addStateStore(RejectedStore.builder(), Names.VALIDATE);
        topology.addStateStore(PolicyCounterStore.builder(), Names.COUNT, Names.HOLDS);
        topology.addStateStore(MonthTotalsStore.builder(), Names.COUNT);
        topology.addStateStore(BreachStore.builder(), Names.COUNT);
        topology.addStateStore(PolicySeedStore.builder(), Names.COUNT);
        Duration rollingRetention = config.retention(LedgerStreamsConfig.ROLLING_MAX_MS_CONFIG).plus(config.lateGrace());
        topology.addStateStore(RollingCounterStore.builder(rollingRetention), Names.COUNT, Names.HOLDS);

        // the global task: one partition, the counters of the global policies, their breaches; every instance reads its counters
        topology.addSource(Names.GLOBAL_USAGE_SOURCE, new StringDeserializer(), new AvroDeserializer<>(RatedUsageEvent.class, registry),
                topics.globalUsage());
        topology.addProcessor(Names.GLOBAL_COUNT, Steps.globalCount(policyIndexes, config.lateGrace(),
                config.retention(LedgerStreamsConfig.BREACH_RETENTION_MS_CONFIG)), Names.GLOBAL_USAGE_SOURCE);
        topology.addSink(Names.GLOBAL_BREACHES_SINK, topics.breaches(), new StringSerializer(),
                new AvroSerializer<BudgetBreach>(registry, true, false), Names.GLOBAL_COUNT);
        topology.addSink(Names.GLOBAL_COUNTERS_SINK, topics.globalCounters(), new StringSerializer(), PolicyCounter.serde().serializer(),
                Names.GLOBAL_COUNT);
        topology.addStateStore(PolicyCounterStore.builder(Names.GLOBAL_POLICY_COUNTER_STORE), Names.GLOBAL_COUNT);
        topology.addStateStore(BreachStore.builder(Names.GLOBAL_BREACH_STORE), Names.GLOBAL_COUNT);
        topology.addGlobalStore(PolicyCounterStore.globalBuilder(), Names.GLOBAL_COUNTERS_SOURCE, new StringDeserializer(),
                PolicyCounter.serde().deserializer(), topics.globalCounters(), Names.GLOBAL_COUNTERS_BOOK,
                Steps.globalCounters(Names.GLOBAL_COUNTER_STORE));

        topology.addGlobalStore(PriceBook.builder(), Names.PRICES_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
                topics.prices(), Names.PRICE_BOOK, Steps.priceBook(Names.PRICE_STORE, registry, listener, priceHistories));
        topology.addGlobalStore(PolicyBook.builder(), Names.POLICIES_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
                topics.policies(), Names.POLICY_BOOK, Steps.policyBook(Names.POLICY_STORE, registry, listener, policyIndexes));
        // the tenants' key directories: who each key belongs to, which teams each user is in, version by version
        topology.addGlobalStore(DirectoryBook.builder(), Names.DIRECTORY_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
                topics.directory(), Names.DIRECTORY_BOOK, Steps.directoryBook(Names.DIRECTORY_STORE, registry, listener, directory));
        return topology;
    }
}
