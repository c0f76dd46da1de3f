package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.AvroStoreSerde;
import dev.usageledger.streams.store.CombiningStores;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * The breaches emitted ({@value Names#BREACH_STORE}), kept for reports until the breach retention
 * passes, keyed {@code tenant \0 crossing-time \0 policy-id \0 member \0 threshold}: tenant first,
 * then the crossing event's time, so a tenant's range of time is one scan.
 */
public sealed class BreachStore permits BreachStore.Writable {
    private final ReadOnlyKeyValueStore<String, BudgetBreach> store;

    /** The breaches over a store the caller may only read (the query service's view of a partition). */
    public BreachStore(ReadOnlyKeyValueStore<String, BudgetBreach> store) {
        this.store = store;
    }

    /** The store: persistent, its writes combined in memory until the task commits ({@link CombiningStores#persistentKeyValue}). */
    public static StoreBuilder<KeyValueStore<String, BudgetBreach>> builder() {
        return builder(Names.BREACH_STORE);
    }

    /** The same store under another name: the global task's breaches ({@value Names#GLOBAL_BREACH_STORE}). */
    public static StoreBuilder<KeyValueStore<String, BudgetBreach>> builder(String name) {
        return CombiningStores.persistentKeyValue(name, AvroStoreSerde.of(BudgetBreach.class));
    }

    /** The breaches of a tenant whose crossing event occurred in {@code [from, to)}, oldest first. */
    public List<BudgetBreach> crossedBetween(String tenant, Instant from, Instant to) {
        List<BudgetBreach> found = new ArrayList<>();
        try (KeyValueIterator<String, BudgetBreach> range = store.range(tenant + KeyParts.SEP + KeyParts.sortable(from.toEpochMilli()),
                tenant + KeyParts.SEP + KeyParts.sortable(to.toEpochMilli()))) {
            range.forEachRemaining(kv -> {
                if (kv.value.getCrossingOccurredAt().isBefore(to)) {
                    found.add(kv.value);
                }
            });
        }
        return found;
    }

    static String key(BudgetBreach breach) {
        return breach.getTenantId() + KeyParts.SEP + KeyParts.sortable(breach.getCrossingOccurredAt().toEpochMilli()) + KeyParts.SEP
                + breach.getPolicyId() + KeyParts.SEP + breach.getSubject().getId() + KeyParts.SEP + breach.getThreshold();
    }

    /** The breaches as the count step writes them. */
    public static final class Writable extends BreachStore {
        private final KeyValueStore<String, BudgetBreach> store;

        public Writable(KeyValueStore<String, BudgetBreach> store) {
            super(store);
            this.store = store;
        }

        public void put(BudgetBreach breach) {
            store.put(key(breach), breach);
        }

        /** Deletes every breach whose crossing event occurred before {@code cutoffMs}. */
        public void removeCrossedBefore(long cutoffMs) {
            List<String> old = new ArrayList<>();
            try (KeyValueIterator<String, BudgetBreach> all = store.all()) {
                all.forEachRemaining(kv -> {
                    if (kv.value.getCrossingOccurredAt().toEpochMilli() < cutoffMs) {
                        old.add(kv.key);
                    }
                });
            }
            old.forEach(store::delete);
        }
    }
}
