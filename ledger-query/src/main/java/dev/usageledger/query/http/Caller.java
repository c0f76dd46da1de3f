package dev.usageledger.query.http;

import java.util.Set;

/** Who a bearer token speaks for: an admin, or a set of tenants. */
public record Caller(boolean admin, Set<String> tenants) {
    public Caller {
        tenants = Set.copyOf(tenants);
    }

    /** Throws 403 unless the caller may read and act for {@code tenant}. */
    public void requireTenant(String tenant) {
        if (!admin && !tenants.contains(tenant)) {
            throw new ApiException(403, "forbidden", "this token is not allowed to act for tenant '" + tenant + "'", null, null);
        }
    }

    /** Throws 403 unless the caller is an admin. */
    public void requireAdmin() {
        if (!admin) {
            throw new ApiException(403, "forbidden", "this endpoint needs an admin token", null, null);
        }
    }
}
