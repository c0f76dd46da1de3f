package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.HeldLine;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.rules.PeriodCalendar;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.store.CombiningStores;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * What live holds reserve ({@value Names#HELD_STORE}). A hold reserves an amount on each enforced
 * budget it was placed on; this store keeps, per budget, the sum of what live holds reserve
 * there, so a check reads one more value per budget. A budget is keyed like its usage: a period's
 * by its counter's key ({@link PolicyCounterStore#key}), a rolling window's by its buckets' key
 * ({@link RollingCounterStore#key}) followed by {@code \0rolling}.
 */
public sealed class HeldStore permits HeldStore.Writable {
    private final ReadOnlyKeyValueStore<String, Long> store;

    /** The held amounts over a store the caller may only read (the query service's view of a partition). */
    public HeldStore(ReadOnlyKeyValueStore<String, Long> store) {
        this.store = store;
    }

    /** The store: persistent, its writes combined in memory until the task commits ({@link CombiningStores#persistentKeyValue}). */
    public static StoreBuilder<KeyValueStore<String, Long>> builder() {
        return CombiningStores.persistentKeyValue(Names.HELD_STORE, Serdes.Long());
    }

    /** The key of a budget: its period counter's key, or the rolling window's. */
    public static String key(BudgetPolicy policy, String member, PeriodWindow period) {
        return period == null || !PeriodCalendar.isFixed(policy.getPeriod())
                ? RollingCounterStore.key(policy.getTenantId(), policy.getPolicyId(), member) + KeyParts.SEP + "rolling"
                : PolicyCounterStore.key(policy.getTenantId(), policy.getPolicyId(), member, period.start());
    }

    /** What live holds reserve on the budget. */
    public long held(BudgetPolicy policy, String member, PeriodWindow period) {
        Long held = store.get(key(policy, member, period));
        return held == null ? 0 : held;
    }

    /**
     * The held amounts after adding ({@code sign} 1) or taking back ({@code sign} -1) a hold's
     * reservations, computed before any is written; null for a budget left with nothing held.
     *
     * @throws ArithmeticException when an amount would leave the range of a long (nothing is written)
     */
    public Map<String, Long> changed(HoldState hold, int sign) {
        Map<String, Long> next = new LinkedHashMap<>();
        for (HeldLine line : hold.getLines()) {
            Long current = next.containsKey(line.getKey()) ? next.get(line.getKey()) : store.get(line.getKey());
            long amount = Math.addExact(current == null ? 0 : current, Math.multiplyExact(sign, line.getAmount()));
            next.put(line.getKey(), amount == 0 ? null : amount);
        }
        return next;
    }

    /** The held amounts as the holds and count steps write them. */
    public static final class Writable extends HeldStore {
        private final KeyValueStore<String, Long> store;

        public Writable(KeyValueStore<String, Long> store) {
            super(store);
            this.store = store;
        }

        /** Writes held amounts from {@link #changed} (null: deleted), giving each to {@code written} too. */
        public void write(Map<String, Long> amounts, BiConsumer<String, Long> written) {
            amounts.forEach((key, amount) -> {
                if (amount == null) {
                    store.delete(key);
                } else {
                    store.put(key, amount);
                }
                written.accept(key, amount);
            });
        }
    }
}
