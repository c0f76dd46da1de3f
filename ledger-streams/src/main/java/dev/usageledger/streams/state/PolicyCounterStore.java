package dev.usageledger.streams.state;

import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.store.CombiningStores;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The policy counters ({@value Names#POLICY_COUNTER_STORE}): one {@link PolicyCounter} per
 * calendar or interval policy, member and period, keyed
 * {@code tenant \0 policy-id \0 member \0 period-start-millis}.
 */
public sealed class PolicyCounterStore permits PolicyCounterStore.Writable {
    private final ReadOnlyKeyValueStore<String, PolicyCounter> store;

    /** The counters over a store the caller may only read (the query service's view of a partition). */
    public PolicyCounterStore(ReadOnlyKeyValueStore<String, PolicyCounter> store) {
        this.store = store;
    }

    /** The store: persistent, its writes combined in memory until the task commits ({@link CombiningStores#persistentKeyValue}). */
    public static StoreBuilder<KeyValueStore<String, PolicyCounter>> builder() {
        return builder(Names.POLICY_COUNTER_STORE);
    }

    /** The same store under another name: the global task's counters ({@value Names#GLOBAL_POLICY_COUNTER_STORE}). */
    public static StoreBuilder<KeyValueStore<String, PolicyCounter>> builder(String name) {
        return CombiningStores.persistentKeyValue(name, PolicyCounter.serde());
    }

    /**
     * The global counters as every instance reads them ({@value Names#GLOBAL_COUNTER_STORE}, a global
     * store kept from the compacted global counters topic, which the global task writes).
     */
    public static StoreBuilder<KeyValueStore<String, PolicyCounter>> globalBuilder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Names.GLOBAL_COUNTER_STORE), Serdes.String(),
                PolicyCounter.serde()).withLoggingDisabled();
    }

    /** The key of a policy's counter for one member and the period starting at {@code periodStart}. */
    public static String key(String tenant, String policyId, String member, Instant periodStart) {
        return tenant + KeyParts.SEP + policyId + KeyParts.SEP + member + KeyParts.SEP + periodStart.toEpochMilli();
    }

    /** The counter under {@code key}, or null when nothing was counted there yet. */
    public PolicyCounter get(String key) {
        return store.get(key);
    }

    /** The counters as the count step writes them. */
    public static final class Writable extends PolicyCounterStore {
        private final KeyValueStore<String, PolicyCounter> store;

        public Writable(KeyValueStore<String, PolicyCounter> store) {
            super(store);
            this.store = store;
        }

        public void put(String key, PolicyCounter counter) {
            store.put(key, counter);
        }

        /** Deletes every counter whose period ended before {@code cutoffMs}, giving each key to {@code removed} once it is gone. */
        public void removeEndedBefore(long cutoffMs, Consumer<String> removed) {
            List<String> expired = new ArrayList<>();
            try (KeyValueIterator<String, PolicyCounter> all = store.all()) {
                all.forEachRemaining(kv -> {
                    if (kv.value.periodEndMillis() < cutoffMs) {
                        expired.add(kv.key);
                    }
                });
            }
            for (String key : expired) {
                store.delete(key);
                removed.accept(key);
            }
        }
    }
}
