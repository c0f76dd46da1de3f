package dev.usageledger.streams.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.PolicyFilters;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.rules.PeriodWindow;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The store names and key formats are part of the state on disk and in the changelogs: a change
 * here loses or misreads state that was written before it, so it needs a migration, not an edit.
 * The expected keys are those the stores were written with before the state layer owned them.
 */
class KeyFormatsTest {
    private static final long AT = 1_700_000_000_123L;

    @Test
    void shouldKeepTheStoreNames() {
        assertThat(List.of(Names.DEDUPE_STORE, Names.PRICE_STORE, Names.TOTALS_MONTH_STORE, Names.POLICY_STORE, Names.POLICY_COUNTER_STORE,
                Names.ROLLING_COUNTER_STORE, Names.BREACH_STORE, Names.POLICY_SEED_STORE, Names.HOLD_STORE, Names.HELD_STORE,
                Names.HOLD_DUE_STORE))
                .containsExactly("dedupe-store", "price-store", "totals-month-store", "policy-store", "policy-counter-store",
                        "rolling-counter-store", "breach-store", "policy-seed-store", "hold-store", "held-store", "hold-due-store");
    }

    @Test
    void shouldWriteInstantsAsSixteenHexDigitsThatSortAsTheInstantsDo() {
        List<String> keys = new ArrayList<>();
        for (long instant : List.of(Long.MIN_VALUE, -86_400_000L, -1L, 0L, 1L, AT, Long.MAX_VALUE)) {
            String key = KeyParts.sortable(instant);
            assertThat(key).hasSize(16).isEqualTo(String.format("%016x", instant ^ Long.MIN_VALUE));
            keys.add(key);
        }
        assertThat(keys).isSorted();
        assertThat(KeyParts.sortable(0L)).isEqualTo("8000000000000000");
    }

    @Test
    void shouldKeyRejectedCountsByTenantDayAndReason() {
        assertThat(Names.REJECTED_STORE).isEqualTo("rejected-count-store");
        assertThat(RejectedStore.key("acme", LocalDate.of(2026, 12, 7), "negative_count")).isEqualTo("acme\u00002026-12-07\u0000negative_count");
    }

    @Test
    void shouldKeepTheKeysOfTheUsageStores() {
        assertThat(DedupeStore.key("acme", "ev-1")).isEqualTo("acme\u0000ev-1");
        assertThat(MonthTotalsStore.key("acme", "2026-11")).isEqualTo("acme\u0000tenant\u0000acme\u00002026-11");
    }

    @Test
    void shouldKeepTheKeysOfThePolicyStores() {
        assertThat(PolicyCounterStore.key("acme", "p-1", "u/1", Instant.ofEpochMilli(AT)))
                .isEqualTo("acme\u0000p-1\u0000u/1\u00001700000000123");
        assertThat(PolicyCounterStore.key("acme", "p-1", "u/1", Instant.ofEpochMilli(-1))).isEqualTo("acme\u0000p-1\u0000u/1\u0000-1");
        assertThat(RollingCounterStore.key("acme", "rpm", "k1")).isEqualTo("acme\u0000rpm\u0000k1");
        assertThat(PolicySeedStore.policyKey("acme", "p-1")).isEqualTo("p\u0000acme\u0000p-1");
        assertThat(PolicySeedStore.tenantKey("acme")).isEqualTo("t\u0000acme");
        PolicySeedStore.Mark pending = PolicySeedStore.Mark.pending("r-1");
        assertThat(PolicySeedStore.serde().deserializer().deserialize("", PolicySeedStore.serde().serializer().serialize("", pending)))
                .isEqualTo(pending);
        assertThat(BreachStore.key(breach(AT))).isEqualTo("acme\u00008000018bcfe5687b\u0000p-1\u0000u1\u000080");
        assertThat(BreachStore.key(breach(-86_400_000L))).isEqualTo("acme\u00007ffffffffad9a400\u0000p-1\u0000u1\u000080");
        assertThat(PolicyBook.idKey("p-1")).isEqualTo("id\u0000p-1");
        assertThat(PolicyBook.tenantKey("acme", "p-1")).isEqualTo("t\u0000acme\u0000p-1");
    }

    @Test
    void shouldKeepTheKeysOfTheHoldStores() {
        PeriodWindow november = new PeriodWindow(Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z"));

        assertThat(HoldStore.key("acme", "h-9")).isEqualTo("acme\u0000h-9");
        assertThat(HoldDueStore.key(AT, HoldStore.key("acme", "h1"))).isEqualTo("8000018bcfe5687b\u0000acme\u0000h1");
        assertThat(HoldDueStore.key(Long.MIN_VALUE, "k")).isEqualTo("0000000000000000\u0000k");
        assertThat(HeldStore.key(policy(PeriodKind.month), "u1", november)).isEqualTo("acme\u0000p-1\u0000u1\u00001793491200000");
        assertThat(HeldStore.key(policy(PeriodKind.rolling), "u1", november)).isEqualTo("acme\u0000p-1\u0000u1\u0000rolling");
    }

    @Test
    void shouldKeepTheKeysOfThePriceBook() {
        assertThat(PriceBook.topicKey("openai", "gpt-4o", AT)).isEqualTo("openai/gpt-4o@1700000000123");
        assertThat(PriceBook.storeKey(PriceBook.modelKey("openai", "gpt-4o"), AT)).isEqualTo("openai/gpt-4o\u00008000018bcfe5687b");
        assertThat(PriceBook.storeKey(PriceBook.modelKey("openai", "gpt-4o"), -1)).isEqualTo("openai/gpt-4o\u00007fffffffffffffff");
    }

    private static BudgetBreach breach(long crossingAt) {
        return BudgetBreach.newBuilder().setTenantId("acme").setPolicyId("p-1").setSubject(new Subject(SubjectType.user, "u1"))
                .setMetric(Metric.cost_micros).setPeriodStart(Instant.EPOCH).setPeriodEnd(Instant.EPOCH).setThreshold(80).setLimit(10L)
                .setUsedAtCrossing(9L).setCrossingEventId("e").setCrossingOccurredAt(Instant.ofEpochMilli(crossingAt))
                .setDecidedAt(Instant.EPOCH).build();
    }

    private static BudgetPolicy policy(PeriodKind kind) {
        Period period = kind == PeriodKind.rolling ? Period.newBuilder().setKind(kind).setDurationMs(60_000L).build()
                : Period.newBuilder().setKind(kind).setTimeZone("UTC").build();
        return BudgetPolicy.newBuilder().setPolicyId("p-1").setTenantId("acme").setSubject(new Subject(SubjectType.user, "*"))
                .setFilters(new PolicyFilters(List.of(), List.of(), List.of(), List.of(), List.of())).setMetric(Metric.cost_micros).setLimit(5L)
                .setPeriod(period).setThresholds(List.of(80)).setEnforce(true).build();
    }
}
