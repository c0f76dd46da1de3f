package dev.usageledger.query.state;

import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.live.PointReads;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.rules.KeyDirectory;
import dev.usageledger.streams.rules.PolicyIndex;
import dev.usageledger.streams.state.BreachStore;
import dev.usageledger.streams.state.DirectoryBook;
import dev.usageledger.streams.state.DirectoryCache;
import dev.usageledger.streams.state.HeldStore;
import dev.usageledger.streams.state.HoldStore;
import dev.usageledger.streams.state.PolicyBook;
import dev.usageledger.streams.state.PolicyCounterStore;
import dev.usageledger.streams.state.PolicyIndexCache;
import dev.usageledger.streams.state.PolicySeedStore;
import dev.usageledger.streams.state.PriceBook;
import dev.usageledger.streams.state.RejectedStore;
import dev.usageledger.streams.state.RollingCounterStore;
import java.time.Instant;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * The running topology's state as the service reads it: which instance answers for a tenant
 * (the owner of the tenant's usage partition), the stores of a local partition, and the global
 * policy and price books. Nothing here blocks: when the state cannot answer, the outcome says so.
 */
public final class LedgerState {
    private static final long RETRY_AFTER_MS = 1_000;

    private final Progress progress;
    private final AtomicLong generation = new AtomicLong();
    private final Ownership ownership = new Ownership(Names.POLICY_COUNTER_STORE, "the ledger", generation);
    private final Versioned<Integer, TenantStores> activeStores = new Versioned<>(generation::get);
    private final PolicyIndexCache policyIndexes;
    private final LiveState live;
    private final SeedWait seedWait = new SeedWait();
    private volatile JournalOverlay journalOverlay = JournalOverlay.NONE;
    private final Versioned<String, List<PriceChange>> priceHistories;
    private volatile HostInfo self;
    private volatile KafkaStreams streams;
    private volatile PolicyBook policies;
    private volatile PriceBook prices;
    private volatile DirectoryBook directory;
    private volatile PolicyCounterStore globalCounters;
    private final DirectoryCache directoryVersions;

    /**
     * State that answers "unavailable" until {@link #attach} gives it the running topology.
     *
     * @param policyIndexes the topology's own cache of tenants' policy indexes (its policy book
     *     invalidates it), so checks and the policy step share one index per tenant
     * @param live the copies of counters, rolling buckets and held amounts the topology keeps
     *     for the partitions active here, which checks read instead of the stores
     */
    public LedgerState(Progress progress, PolicyIndexCache policyIndexes, LiveState live) {
        this.progress = progress;
        this.policyIndexes = policyIndexes;
        this.live = live;
        this.priceHistories = new Versioned<>(progress::bookVersion);
        this.directoryVersions = new DirectoryCache(progress::bookVersion);
    }

    /**
     * The topology changed state (a rebalance starts or ends, a thread dies): which instance owns
     * what, and which local stores are open, must be looked up again.
     */
    public void topologyChanged() {
        generation.incrementAndGet();
    }

    /** The tenant's policies, indexed for precedence; cached until a policy changes. */
    public PolicyIndex policiesOf(String tenant) {
        return policyIndexes.forTenant(policies(), tenant);
    }

    /** The price of a model in force at {@code at}, or null; the history is cached until a policy or price changes. */
    public PriceChange priceAt(String provider, String model, Instant at) {
        if (provider == null || model == null) {
            return null;
        }
        List<PriceChange> history = priceHistories.get(provider + '/' + model,
                key -> List.copyOf(prices().history(provider, model)));
        PriceChange inForce = null;
        for (PriceChange entry : history) {
            if (!entry.getEffectiveFrom().isAfter(at)) {
                inForce = entry;
            }
        }
        return inForce;
    }

    /**
     * The topology this state reads and the address it advertises, once both are known (the HTTP
     * server starts first, to learn its port).
     */
    public void attach(KafkaStreams kafkaStreams, HostInfo advertised) {
        this.self = advertised;
        this.streams = kafkaStreams;
    }

    public HostInfo self() {
        return self;
    }

    public Progress progress() {
        return progress;
    }

    public KafkaStreams.State streamsState() {
        KafkaStreams current = streams;
        return current == null ? KafkaStreams.State.CREATED : current.state();
    }

    /**
     * Who answers for {@code tenant}. A request that was already forwarded once is never
     * forwarded again: it is answered from a local standby (stale) or not at all.
     */
    public Route route(String tenant, boolean forwarded) {
        return ownership.route(streams, self, tenant, forwarded);
    }

    /** Adds the hold decisions journaled here but not yet applied to every read of holds and held amounts. */
    public void journalOverlay(JournalOverlay overlay) {
        this.journalOverlay = overlay;
        generation.incrementAndGet(); // stores opened before read without it
    }

    /**
     * Records of {@code topic}'s partition that enforcement has not read yet (its consumer's lag at
     * its last fetch); -1 when the partition is not consumed here.
     */
    public long behind(String topic, int partition) {
        return ConsumerLag.of(streams, topic, partition);
    }

    /** Waits (bounded) until the hold journal of an active partition is open here; see {@link JournalOverlay#awaitOpen}. */
    public boolean awaitJournal(int partition, Duration timeout) throws InterruptedException {
        return journalOverlay.awaitOpen(partition, timeout);
    }

    /**
     * The tenant's holds in hold id order: those in the stores, and those journaled here that the
     * task has not applied yet (which replace the stores' copy), read while the task applies no
     * journal record, so an answered hold is listed at once and once.
     */
    public List<HoldState> holdsOf(TenantStores stores, String tenant) {
        Supplier<List<HoldState>> read = () -> {
            Map<String, HoldState> holds = new TreeMap<>();
            stores.holds().forEachOf(tenant, hold -> holds.put(hold.getHoldId(), hold));
            if (!stores.stale()) {
                journalOverlay.journaledOf(stores.partition(), tenant).forEach(hold -> holds.put(hold.getHoldId(), hold));
            }
            return List.copyOf(holds.values());
        };
        return stores.stale() ? read.get() : progress.readConsistently(stores.partition(), read);
    }

    /**
     * The stores of a local partition; {@code stale} allows a standby or restoring copy. The
     * active ones are looked up once per topology state, not once per request.
     */
    public TenantStores stores(int partition, boolean stale) {
        KafkaStreams current = streams;
        if (!stale && current != null && current.state() == KafkaStreams.State.RUNNING) {
            return activeStores.get(partition, p -> openStores(p, false));
        }
        return openStores(partition, stale);
    }

    /**
     * The stores of a partition. An active one's counters, rolling buckets and held amounts are
     * read from the topology's live copies (a standby's are not copied: they come from its stores).
     */
    private TenantStores openStores(int partition, boolean stale) {
        ReadOnlyKeyValueStore<String, PolicyCounter> counters =
                store(Names.POLICY_COUNTER_STORE, QueryableStoreTypes.<String, PolicyCounter>keyValueStore(), partition, stale);
        ReadOnlyWindowStore<String, Long> rolling =
                store(Names.ROLLING_COUNTER_STORE, QueryableStoreTypes.<String, Long>windowStore(), partition, stale);
        ReadOnlyKeyValueStore<String, Long> held =
                store(Names.HELD_STORE, QueryableStoreTypes.<String, Long>keyValueStore(), partition, stale);
        ReadOnlyKeyValueStore<String, HoldState> holds =
                store(Names.HOLD_STORE, QueryableStoreTypes.<String, HoldState>keyValueStore(), partition, stale);
        if (!stale) {
            counters = live.counters(partition, live.direct().of(partition, Names.POLICY_COUNTER_STORE, counters));
            rolling = live.rolling(partition, rolling);
            held = live.held(partition, live.direct().of(partition, Names.HELD_STORE, held));
            holds = live.direct().of(partition, Names.HOLD_STORE, holds);
            JournalOverlay journal = journalOverlay;
            ReadOnlyKeyValueStore<String, Long> heldStore = held;
            ReadOnlyKeyValueStore<String, HoldState> holdStore = holds;
            // the journal's unapplied decisions and the stores, read while the task applies no
            // journal record: each reservation counts once, from the one or the other
            held = new PointReads<>(held, key -> progress.readConsistently(partition, () -> {
                long unapplied = journal.unappliedHeld(partition, key);
                Long stored = heldStore.get(key);
                return unapplied == 0 ? stored : Long.valueOf((stored == null ? 0 : stored) + unapplied);
            }));
            holds = new PointReads<>(holds, key -> progress.readConsistently(partition, () -> {
                HoldState journaled = journal.journaled(partition, key);
                return journaled != null ? journaled : holdStore.get(key);
            }));
        }
        ReadOnlyKeyValueStore<String, PolicySeedStore.Mark> seedMarks =
                store(Names.POLICY_SEED_STORE, QueryableStoreTypes.<String, PolicySeedStore.Mark>keyValueStore(), partition, stale);
        if (!stale) {
            seedMarks = live.direct().of(partition, Names.POLICY_SEED_STORE, seedMarks);
        }
        return new TenantStores(partition, stale, new PolicyCounterStore(counters), new RollingCounterStore(rolling),
                new PolicySeedStore(seedMarks),
                new BreachStore(store(Names.BREACH_STORE, QueryableStoreTypes.<String, BudgetBreach>keyValueStore(), partition, stale)),
                new HoldStore(holds), new HeldStore(held),
                new RejectedStore(store(Names.REJECTED_STORE, QueryableStoreTypes.<String, Long>keyValueStore(), partition, stale)), seedWait,
                globalCounters());
    }

    /** The global policies' counters as the global task last committed them (ADR 0003). */
    public PolicyCounterStore globalCounters() {
        PolicyCounterStore view = globalCounters;
        if (view == null) {
            view = new PolicyCounterStore(global(Names.GLOBAL_COUNTER_STORE));
            globalCounters = view;
        }
        return view;
    }

    /** The global policy book. */
    public PolicyBook policies() {
        PolicyBook book = policies;
        if (book == null) {
            book = new PolicyBook(global(Names.POLICY_STORE));
            policies = book;
        }
        return book;
    }

    /** The global price book. */
    public PriceBook prices() {
        PriceBook book = prices;
        if (book == null) {
            book = new PriceBook(global(Names.PRICE_STORE));
            prices = book;
        }
        return book;
    }

    /** The global key directory. */
    public DirectoryBook directory() {
        DirectoryBook book = directory;
        if (book == null) {
            book = new DirectoryBook(global(Names.DIRECTORY_STORE));
            directory = book;
        }
        return book;
    }

    /** The key directory as calls are resolved against it; entries are cached until the directory (or a book) changes. */
    public KeyDirectory keyDirectory() {
        DirectoryBook book = directory();
        return (tenant, kind, id, at) -> directoryVersions.inForce(book, tenant, kind, id, at);
    }

    private <V> ReadOnlyKeyValueStore<String, V> global(String name) {
        KafkaStreams current = streams;
        if (current == null) {
            throw new StateUnavailableException("the ledger is starting", RETRY_AFTER_MS);
        }
        try {
            return current.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
        } catch (InvalidStateStoreException e) {
            throw new StateUnavailableException("the " + name + " is not loaded yet: " + e.getMessage(), RETRY_AFTER_MS);
        }
    }

    private <T> T store(String name, QueryableStoreType<T> type, int partition, boolean stale) {
        return LocalStores.open(streams, "the ledger", name, type, partition, stale);
    }
}
