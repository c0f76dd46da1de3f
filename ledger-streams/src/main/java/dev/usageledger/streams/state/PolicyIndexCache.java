package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.streams.rules.PolicyIndex;
import dev.usageledger.streams.rules.PolicyRules;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each tenant's {@link PolicyIndex} (its own policies and the global ones), built from the global policy book on first use and kept
 * until the book changes: the policy step asks for it on every event, which must not cost a
 * range scan and the decoding of every policy. The book's processor invalidates the cache after
 * each change; the version is read before an index is built, so an index built while a change
 * lands is replaced on the next read.
 */
public final class PolicyIndexCache {
    private record Entry(long version, PolicyIndex index) {
    }

    private final AtomicLong version = new AtomicLong();
    private final ConcurrentHashMap<String, Entry> tenants = new ConcurrentHashMap<>();

    /** The tenant's index, as the book holds it now. */
    public PolicyIndex forTenant(PolicyBook book, String tenant) {
        long current = version.get();
        Entry entry = tenants.get(tenant);
        if (entry != null && entry.version == current) {
            return entry.index;
        }
        List<BudgetPolicy> policies = new ArrayList<>(book.ofTenant(tenant));
        if (!PolicyRules.ALL_TENANTS.equals(tenant)) {
            policies.addAll(book.ofTenant(PolicyRules.ALL_TENANTS)); // global limits judge every tenant's calls
        }
        PolicyIndex index = PolicyIndex.of(policies);
        tenants.put(tenant, new Entry(current, index));
        return index;
    }

    /** Grows with every change of the book. */
    public long version() {
        return version.get();
    }

    /** The book changed: every index is rebuilt on its next use. */
    public void invalidate() {
        version.incrementAndGet();
    }
}
