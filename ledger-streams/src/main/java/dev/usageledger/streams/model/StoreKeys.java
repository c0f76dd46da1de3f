package dev.usageledger.streams.model;

import dev.usageledger.schemas.avro.SubjectType;

/**
 * Keys of the totals stores: {@code tenant \u0000 scope-type \u0000 scope-id}. Tenant first, so
 * every key of a tenant sorts together and "all models of tenant acme" is one range scan.
 */
public final class StoreKeys {
    public static final char SEPARATOR = '\u0000';

    private StoreKeys() {
    }

    public static String scope(String tenant, SubjectType type, String id) {
        return tenant + SEPARATOR + type.name() + SEPARATOR + id;
    }
}
