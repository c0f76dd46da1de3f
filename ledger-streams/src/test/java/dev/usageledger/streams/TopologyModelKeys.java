package dev.usageledger.streams;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.state.HeldStore;
import dev.usageledger.streams.state.HoldStore;
import dev.usageledger.streams.state.PolicyCounterStore;
import dev.usageledger.streams.state.RollingCounterStore;
import java.time.Instant;

/**
 * The one place where the model-based test learns how the topology spells its store keys: the
 * reference model is written independently of the production rules, but to compare it with the
 * stores it must name their entries the same way. Repoint these if a key helper moves.
 */
final class TopologyModelKeys {
    private static final char SEP = '\u0000';

    private TopologyModelKeys() {
    }

    /** A scope's key: tenant, type, id (the tenant's month store starts its keys with it). */
    static String scope(String tenant, SubjectType type, String id) {
        return tenant + SEP + type.name() + SEP + id;
    }

    /** A scope's UTC month ({@code 2026-11}): the tenant month store's key for the tenant scope. */
    static String month(String scopeKey, String yearMonth) {
        return scopeKey + SEP + yearMonth;
    }

    static String counter(String tenant, String policyId, String member, long periodStartMs) {
        return PolicyCounterStore.key(tenant, policyId, member, Instant.ofEpochMilli(periodStartMs));
    }

    static String rolling(String tenant, String policyId, String member) {
        return RollingCounterStore.key(tenant, policyId, member);
    }

    /** The held store's key of a budget: {@code periodStartMs} null for a rolling policy. */
    static String held(BudgetPolicy policy, String member, Long periodStartMs, Long periodEndMs) {
        PeriodWindow period = periodStartMs == null ? null
                : new PeriodWindow(Instant.ofEpochMilli(periodStartMs), Instant.ofEpochMilli(periodEndMs));
        return HeldStore.key(policy, member, period);
    }

    static String hold(String tenant, String holdId) {
        return HoldStore.key(tenant, holdId);
    }

    /** The dedupe store's key of an event id (its window start is the first occurrence's occurred_at). */
    static String dedupe(String tenant, String eventId) {
        return tenant + SEP + eventId;
    }

    /** A key made readable in a failure message. */
    static String readable(String key) {
        return key.replace(SEP, '|');
    }
}
