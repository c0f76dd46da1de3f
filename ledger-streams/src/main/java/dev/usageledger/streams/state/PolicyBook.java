package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.AvroStoreSerde;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The policy book ({@value Names#POLICY_STORE}, a global store kept from the compacted policies
 * topic). Each policy is stored twice: by id, {@code id \0 policy-id} (to find its tenant when it
 * is deleted), and under its tenant, {@code t \0 tenant \0 policy-id} (so an event reads just its
 * tenant's policies, in one range scan).
 */
public sealed class PolicyBook permits PolicyBook.Writable {
    private final ReadOnlyKeyValueStore<String, BudgetPolicy> store;

    /** The book over a store the caller may only read (the query service's view of the global store). */
    public PolicyBook(ReadOnlyKeyValueStore<String, BudgetPolicy> store) {
        this.store = store;
    }

    /** The global store, without a changelog: the compacted policies topic is its log. */
    public static StoreBuilder<KeyValueStore<String, BudgetPolicy>> builder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Names.POLICY_STORE), Serdes.String(),
                AvroStoreSerde.of(BudgetPolicy.class)).withLoggingDisabled();
    }

    /** The policies of {@code tenant}. */
    public List<BudgetPolicy> ofTenant(String tenant) {
        List<BudgetPolicy> policies = new ArrayList<>();
        try (KeyValueIterator<String, BudgetPolicy> it = store.range(tenantKey(tenant, ""), tenantKey(tenant, "") + '\uffff')) {
            it.forEachRemaining(kv -> policies.add(kv.value));
        }
        return policies;
    }

    /** Every policy of every tenant. */
    public List<BudgetPolicy> all() {
        List<BudgetPolicy> policies = new ArrayList<>();
        try (KeyValueIterator<String, BudgetPolicy> it = store.range("t" + KeyParts.SEP, "t" + KeyParts.SEP + '\uffff')) {
            it.forEachRemaining(kv -> policies.add(kv.value));
        }
        return policies;
    }

    /** One policy by id, or null. */
    public BudgetPolicy byId(String policyId) {
        return store.get(idKey(policyId));
    }

    static String idKey(String policyId) {
        return "id" + KeyParts.SEP + policyId;
    }

    static String tenantKey(String tenant, String policyId) {
        return "t" + KeyParts.SEP + tenant + KeyParts.SEP + policyId;
    }

    /** The book as the policy book's processor keeps it. */
    public static final class Writable extends PolicyBook {
        private final KeyValueStore<String, BudgetPolicy> store;

        public Writable(KeyValueStore<String, BudgetPolicy> store) {
            super(store);
            this.store = store;
        }

        /** Takes the policy out of the book, under both of its keys; nothing happens when it is not there. */
        public void remove(String policyId) {
            BudgetPolicy previous = store.get(idKey(policyId));
            if (previous != null) {
                store.delete(tenantKey(previous.getTenantId(), policyId));
                store.delete(idKey(policyId));
            }
        }

        /** Puts the policy in the book under both of its keys. */
        public void put(String policyId, BudgetPolicy policy) {
            store.put(idKey(policyId), policy);
            store.put(tenantKey(policy.getTenantId(), policyId), policy);
        }
    }
}
