package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.DirectoryKind;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Each directory entry's versions, read from the global key directory on first use and kept until
 * the directory changes: the count path asks for the key and the user of every event that omits
 * its user or teams, which must not cost a RocksDB range scan each. Ids without an entry are kept
 * too, as most lookups are for them. The directory's processor invalidates the cache after each
 * change; the version is read before versions are loaded, so ones loaded while a change lands are
 * loaded again on the next read.
 */
public final class DirectoryCache {
    /** Above this many ids the cache starts again: it is a cache, the store is the directory. */
    private static final int MAX_IDS = 200_000;
    private static final DirectoryEntry[] NONE = new DirectoryEntry[0];

    private record Versions(long version, long[] from, DirectoryEntry[] entries) {
    }

    private final AtomicLong changes = new AtomicLong();
    private final LongSupplier version;
    private final ConcurrentHashMap<String, Versions> ids = new ConcurrentHashMap<>();

    /** A cache that the directory's processor invalidates ({@link #invalidate}). */
    public DirectoryCache() {
        this.version = changes::get;
    }

    /** A cache whose versions are {@code version}'s: one that grows with each change to the directory. */
    public DirectoryCache(LongSupplier version) {
        this.version = version;
    }

    /** The entry of {@code id} in force at {@code at} as the directory holds it now, or null (never made, or removed then). */
    public DirectoryEntry inForce(DirectoryBook book, String tenant, DirectoryKind kind, String id, Instant at) {
        if (tenant == null || id == null) {
            return null;
        }
        long current = version.getAsLong();
        String prefix = DirectoryBook.prefix(tenant, kind, id);
        Versions versions = ids.get(prefix);
        if (versions == null || versions.version != current) {
            List<DirectoryEntry> history = book.read(prefix); // oldest first
            long[] from = new long[history.size()];
            for (int i = 0; i < from.length; i++) {
                from[i] = history.get(i).getEffectiveFrom().toEpochMilli();
            }
            versions = new Versions(current, from, history.isEmpty() ? NONE : history.toArray(DirectoryEntry[]::new));
            if (ids.size() >= MAX_IDS) {
                ids.clear();
            }
            ids.put(prefix, versions);
        }
        int found = Arrays.binarySearch(versions.from, at.toEpochMilli());
        int inForce = found >= 0 ? found : -found - 2; // the last version at or before the instant
        DirectoryEntry entry = inForce >= 0 ? versions.entries[inForce] : null;
        return entry == null || entry.getRemoved() ? null : entry;
    }

    /** The directory changed: every id's versions are read again on their next use. */
    public void invalidate() {
        changes.incrementAndGet();
    }
}
