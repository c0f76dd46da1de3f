package dev.usageledger.streams.state;

import dev.usageledger.streams.Names;
import dev.usageledger.streams.store.CombiningStores;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Where each policy's counters start ({@value Names#POLICY_SEED_STORE}). A policy is registered
 * on a partition the first time its task meets it; from then on every event it governs is counted
 * in its counters. What was counted before the registration is the policy's <em>seed</em>: while
 * the answer to its seed request is awaited the policy is {@linkplain Mark#pending() pending},
 * then seeded. The store also knows which tenants have had an event on the partition: a tenant
 * with none has nothing to seed.
 *
 * <p>Keys: {@code p \0 tenant \0 policy-id} for a policy's mark, {@code t \0 tenant} for a tenant
 * seen.
 */
public sealed class PolicySeedStore permits PolicySeedStore.Writable {
    /** A policy's registration: the request it waits for, or none once seeded. */
    public record Mark(String requestId, boolean pending) {
        /** Registered with nothing to wait for. */
        public static final Mark SEEDED = new Mark("", false);

        public static Mark pending(String requestId) {
            return new Mark(requestId, true);
        }
    }

    private final ReadOnlyKeyValueStore<String, Mark> store;

    /** The marks over a store the caller may only read (the query service's view of a partition). */
    public PolicySeedStore(ReadOnlyKeyValueStore<String, Mark> store) {
        this.store = store;
    }

    public static StoreBuilder<KeyValueStore<String, Mark>> builder() {
        return CombiningStores.persistentKeyValue(Names.POLICY_SEED_STORE, serde());
    }

    /** The policy's mark on this partition, or null when its task has not met it yet. */
    public Mark mark(String tenant, String policyId) {
        return store.get(policyKey(tenant, policyId));
    }

    /** Whether the tenant has had a counted event on this partition. */
    public boolean knowsTenant(String tenant) {
        return store.get(tenantKey(tenant)) != null;
    }

    static String policyKey(String tenant, String policyId) {
        return "p" + KeyParts.SEP + tenant + KeyParts.SEP + policyId;
    }

    static String tenantKey(String tenant) {
        return "t" + KeyParts.SEP + tenant;
    }

    static Serde<Mark> serde() {
        return Serdes.serdeFrom((topic, mark) -> {
            if (mark == null) {
                return null;
            }
            byte[] id = mark.requestId().getBytes(StandardCharsets.UTF_8);
            byte[] bytes = new byte[1 + id.length];
            bytes[0] = (byte) (mark.pending() ? 1 : 0);
            System.arraycopy(id, 0, bytes, 1, id.length);
            return bytes;
        }, (topic, bytes) -> bytes == null ? null
                : new Mark(new String(bytes, 1, bytes.length - 1, StandardCharsets.UTF_8), bytes[0] == 1));
    }

    /** The marks as the enforcement task writes them. */
    public static final class Writable extends PolicySeedStore {
        private final KeyValueStore<String, Mark> store;

        public Writable(KeyValueStore<String, Mark> store) {
            super(store);
            this.store = store;
        }

        public void put(String tenant, String policyId, Mark mark) {
            store.put(policyKey(tenant, policyId), mark);
        }

        public void tenantSeen(String tenant) {
            store.put(tenantKey(tenant), Mark.SEEDED);
        }
    }
}
