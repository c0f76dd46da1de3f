package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.DirectoryKind;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.AvroStoreSerde;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The tenants' key directories ({@value Names#DIRECTORY_STORE}, a global store kept from the
 * compacted directory topic): every version of every entry, keyed {@code tenant \0 kind \0 id \0
 * effective-from}, so the version in force at an instant is the last one at or before it. Topic
 * keys are {@code tenant/kind/id@effective-from-millis}: compaction keeps every version, and
 * writing the same version again replaces it.
 */
public sealed class DirectoryBook permits DirectoryBook.Writable {
    private final ReadOnlyKeyValueStore<String, DirectoryEntry> store;

    /** The book over a store the caller may only read (the query service's view of the global store). */
    public DirectoryBook(ReadOnlyKeyValueStore<String, DirectoryEntry> store) {
        this.store = store;
    }

    /** The global store, without a changelog: the compacted directory topic is its log. */
    public static StoreBuilder<KeyValueStore<String, DirectoryEntry>> builder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Names.DIRECTORY_STORE), Serdes.String(),
                AvroStoreSerde.of(DirectoryEntry.class)).withLoggingDisabled();
    }

    /** The directory topic's key of one version of an entry. */
    public static String topicKey(DirectoryEntry entry) {
        return entry.getTenantId() + "/" + entry.getKind() + "/" + entry.getId() + "@" + entry.getEffectiveFrom().toEpochMilli();
    }

    /** Every version of the entry of {@code id}, oldest first (removals included). */
    public List<DirectoryEntry> history(String tenant, DirectoryKind kind, String id) {
        return read(prefix(tenant, kind, id));
    }

    /** The tenant's entries of a kind in force at {@code at}, by id. */
    public Map<String, DirectoryEntry> entriesOf(String tenant, DirectoryKind kind, Instant at) {
        String from = tenant + KeyParts.SEP + kind.name() + KeyParts.SEP;
        Map<String, DirectoryEntry> latest = new LinkedHashMap<>();
        try (KeyValueIterator<String, DirectoryEntry> all = store.range(from, end(from))) {
            while (all.hasNext()) {
                DirectoryEntry entry = all.next().value;
                if (!entry.getEffectiveFrom().isAfter(at)) {
                    latest.put(entry.getId(), entry);
                }
            }
        }
        latest.values().removeIf(DirectoryEntry::getRemoved);
        return latest;
    }

    List<DirectoryEntry> read(String prefix) {
        List<DirectoryEntry> entries = new ArrayList<>();
        try (KeyValueIterator<String, DirectoryEntry> all = store.range(prefix, end(prefix))) {
            all.forEachRemaining(kv -> entries.add(kv.value));
        }
        return entries;
    }

    /** The first key after every key that starts with {@code prefix} (which ends with the separator). */
    private static String end(String prefix) {
        return prefix.substring(0, prefix.length() - 1) + (char) (KeyParts.SEP + 1);
    }

    static String prefix(String tenant, DirectoryKind kind, String id) {
        return tenant + KeyParts.SEP + kind.name() + KeyParts.SEP + id + KeyParts.SEP;
    }

    static String storeKey(DirectoryEntry entry) {
        return prefix(entry.getTenantId(), entry.getKind(), entry.getId()) + KeyParts.sortable(entry.getEffectiveFrom().toEpochMilli());
    }

    /** The book as the directory's processor keeps it. */
    public static final class Writable extends DirectoryBook {
        private final KeyValueStore<String, DirectoryEntry> store;

        public Writable(KeyValueStore<String, DirectoryEntry> store) {
            super(store);
            this.store = store;
        }

        /** Puts a version of an entry in the book. */
        public void put(DirectoryEntry entry) {
            store.put(storeKey(entry), entry);
        }
    }
}
