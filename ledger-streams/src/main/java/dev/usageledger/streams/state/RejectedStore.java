package dev.usageledger.streams.state;

import dev.usageledger.streams.Names;
import dev.usageledger.streams.store.CombiningStores;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * How many usage records were rejected ({@value Names#REJECTED_STORE}), per tenant, UTC day of the
 * record's timestamp and reason: key {@code tenant \0 yyyy-mm-dd \0 reason}, so a tenant's days sort
 * together and a span of days is one range. The tenant is the record's key as received (the
 * rejected record itself, with its reason, is on the rejected topic); a record without a key counts
 * under the empty tenant.
 */
public sealed class RejectedStore permits RejectedStore.Writable {
    private final ReadOnlyKeyValueStore<String, Long> store;

    public RejectedStore(ReadOnlyKeyValueStore<String, Long> store) {
        this.store = store;
    }

    /** The store: persistent, its writes combined in memory until the task commits. */
    public static StoreBuilder<KeyValueStore<String, Long>> builder() {
        return CombiningStores.persistentKeyValue(Names.REJECTED_STORE, Serdes.Long());
    }

    static String key(String tenant, LocalDate day, String reason) {
        return tenant + KeyParts.SEP + day + KeyParts.SEP + reason;
    }

    /** The tenant's rejected records per reason over the UTC days {@code from} to {@code to}, both included. */
    public Map<String, Long> byReason(String tenant, LocalDate from, LocalDate to) {
        Map<String, Long> counts = new TreeMap<>();
        // from the first key of day `from` to the last of day `to`: reasons are printable, below \uffff
        try (KeyValueIterator<String, Long> rows = store.range(tenant + KeyParts.SEP + from + KeyParts.SEP,
                tenant + KeyParts.SEP + to + KeyParts.SEP + '\uffff')) {
            while (rows.hasNext()) {
                var row = rows.next();
                String reason = row.key.substring(row.key.lastIndexOf(KeyParts.SEP) + 1);
                counts.merge(reason, row.value, Long::sum);
            }
        }
        return counts;
    }

    /** The rejected counts as the validating step writes them. */
    public static final class Writable extends RejectedStore {
        private final KeyValueStore<String, Long> store;

        public Writable(KeyValueStore<String, Long> store) {
            super(store);
            this.store = store;
        }

        /** One more record of the tenant rejected for {@code reason} on {@code day}. */
        public void add(String tenant, LocalDate day, String reason) {
            String key = key(tenant, day, reason);
            Long count = store.get(key);
            store.put(key, count == null ? 1 : count + 1);
        }
    }
}
