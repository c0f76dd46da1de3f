package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.HeldLine;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.streams.decision.BudgetLine;
import dev.usageledger.streams.rules.PeriodCalendar;
import dev.usageledger.streams.rules.PeriodWindow;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Keys and bookkeeping of holds. A hold reserves an amount on each enforced budget it was placed
 * on; the held store keeps, per budget (policy, member and period, or the policy's rolling
 * window), the sum of what live holds reserve there, so a check reads one more value per budget.
 */
public final class Holds {
    private Holds() {
    }

    /** The hold store's key: tenant first, so a tenant's holds are in its partition and sort together. */
    public static String holdKey(String tenant, String holdId) {
        return tenant + '\u0000' + holdId;
    }

    /**
     * The due store's key: when a hold next needs attention (a placed hold at its expiry, a finished
     * one when it may be forgotten), then the hold's key, so the holds due by a time are one range.
     */
    static String dueKey(long atMs, String holdKey) {
        return PolicyCounting.sortable(atMs) + '\u0000' + holdKey;
    }

    /** The range of due keys up to and including {@code nowMs}. */
    static String dueUntil(long nowMs) {
        return PolicyCounting.sortable(nowMs) + '\u0001';
    }

    /** A placed hold is due at its expiry. */
    static void duePlaced(KeyValueStore<String, String> due, HoldState hold, String holdKey) {
        due.put(dueKey(hold.getExpiresAt().toEpochMilli(), holdKey), holdKey);
    }

    /** A hold that ended (or was denied) is due to be forgotten once it has been kept {@code keepMs} past its expiry. */
    static void dueFinished(KeyValueStore<String, String> due, HoldState hold, String holdKey, long keepMs) {
        long expiresAt = hold.getExpiresAt().toEpochMilli();
        due.delete(dueKey(expiresAt, holdKey));
        due.put(dueKey(expiresAt + keepMs, holdKey), holdKey);
    }

    /** The held store's key of a budget: its period counter's key, or the rolling window's. */
    public static String heldKey(BudgetPolicy policy, String member, PeriodWindow period) {
        return period == null || !PeriodCalendar.isFixed(policy.getPeriod())
                ? PolicyCounting.rollingKey(policy.getTenantId(), policy.getPolicyId(), member) + "\u0000rolling"
                : PolicyCounting.counterKey(policy.getTenantId(), policy.getPolicyId(), member, period.start());
    }

    static String heldKey(BudgetLine line) {
        return heldKey(line.policy(), line.member(), line.period());
    }

    /** What live holds reserve on the budget. */
    public static long held(ReadOnlyKeyValueStore<String, Long> store, BudgetPolicy policy, String member, PeriodWindow period) {
        Long held = store.get(heldKey(policy, member, period));
        return held == null ? 0 : held;
    }

    /**
     * The held amounts after adding ({@code sign} 1) or taking back ({@code sign} -1) a hold's
     * reservations, computed before any is written; null for a budget left with nothing held.
     *
     * @throws ArithmeticException when an amount would leave the range of a long (nothing is written)
     */
    static Map<String, Long> changed(KeyValueStore<String, Long> held, HoldState hold, int sign) {
        Map<String, Long> next = new LinkedHashMap<>();
        for (HeldLine line : hold.getLines()) {
            Long current = next.containsKey(line.getKey()) ? next.get(line.getKey()) : held.get(line.getKey());
            long amount = Math.addExact(current == null ? 0 : current, Math.multiplyExact(sign, line.getAmount()));
            next.put(line.getKey(), amount == 0 ? null : amount);
        }
        return next;
    }

    /** Writes held amounts from {@link #changed} (null: deleted), giving each to {@code written} too. */
    static void write(KeyValueStore<String, Long> held, Map<String, Long> amounts, BiConsumer<String, Long> written) {
        amounts.forEach((key, amount) -> {
            if (amount == null) {
                held.delete(key);
            } else {
                held.put(key, amount);
            }
            written.accept(key, amount);
        });
    }
}
