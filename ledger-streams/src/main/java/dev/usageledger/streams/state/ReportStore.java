package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.model.ReportRow;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.Buckets;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.Scopes;
import dev.usageledger.streams.rules.Scopes.Scope;
import dev.usageledger.streams.store.CombiningStores;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The reporting part's usage rows ({@value Names#REPORT_QUARTER_STORE} and
 * {@value Names#REPORT_DAY_STORE}): for every scope an event counts toward, a {@link ReportRow}
 * per quarter hour and per UTC day, keyed {@code tenant \0 type \0 id} and stamped with the
 * bucket's start. Every zone's offset today is a multiple of 15 minutes, so any period of any zone
 * starts and ends on a quarter: it reads as the quarters before its first whole UTC day, the whole
 * days, and the quarters after its last one (a month: about 30 day rows and at most 190 quarters,
 * three range reads).
 */
public sealed class ReportStore permits ReportStore.Writable {
    /** Rows a store holds in memory between two commits before it writes them early. */
    static final int PENDING_MAX = 20_000;

    private final ReadOnlyWindowStore<String, ReportRow> quarters;
    private final ReadOnlyWindowStore<String, ReportRow> days;

    public ReportStore(ReadOnlyWindowStore<String, ReportRow> quarters, ReadOnlyWindowStore<String, ReportRow> days) {
        this.quarters = quarters;
        this.days = days;
    }

    /** The quarter-hour rows, kept for {@code retention}; written once per row and commit. */
    public static StoreBuilder<WindowStore<String, ReportRow>> quarters(Duration retention) {
        return builder(Names.REPORT_QUARTER_STORE, retention, Buckets.QUARTER_MS);
    }

    /** The UTC day rows, kept for {@code retention}; written once per row and commit. */
    public static StoreBuilder<WindowStore<String, ReportRow>> days(Duration retention) {
        return builder(Names.REPORT_DAY_STORE, retention, Buckets.DAY_MS);
    }

    private static StoreBuilder<WindowStore<String, ReportRow>> builder(String name, Duration retention, long bucketMs) {
        return CombiningStores.windowStore(Stores.persistentWindowStore(name, retention, Duration.ofMillis(bucketMs), false),
                ReportRow.serde(), PENDING_MAX).withCachingDisabled();
    }

    public static String key(String tenant, SubjectType type, String id) {
        return tenant + KeyParts.SEP + type.name() + KeyParts.SEP + id;
    }

    /** Whether the rows can answer for {@code period} exactly: both ends on a quarter hour. */
    public static boolean answerable(PeriodWindow period) {
        return period.start().toEpochMilli() % Buckets.QUARTER_MS == 0 && period.end().toEpochMilli() % Buckets.QUARTER_MS == 0;
    }

    /** The scope's usage over {@code period}, which must be {@link #answerable}. */
    public Totals totals(String tenant, SubjectType type, String id, PeriodWindow period) {
        Totals[] sum = {Totals.ZERO};
        rows(key(tenant, type, id), period, row -> sum[0] = sum[0].plus(row.totals()));
        return sum[0];
    }

    /**
     * The scope's usage over {@code period} by each member of {@code dimension} its events named,
     * by member. The tenant's breakdown is every member's own row; another scope's is read from its
     * rows' breakdowns.
     */
    public Map<String, Totals> breakdown(String tenant, SubjectType type, String id, SubjectType dimension, PeriodWindow period) {
        if (dimension == type) {
            throw new IllegalArgumentException("a scope is not broken down by its own dimension: " + type);
        }
        Map<String, Totals> byMember = new TreeMap<>();
        rows(key(tenant, type, id), period, row -> row.by(dimension).forEach((member, totals) -> byMember.merge(member, totals, Totals::plus)));
        return byMember;
    }

    /** The scope's usage over each of {@code periods}, in their order. */
    public List<Map.Entry<PeriodWindow, Totals>> series(String tenant, SubjectType type, String id, List<PeriodWindow> periods) {
        List<Map.Entry<PeriodWindow, Totals>> series = new ArrayList<>(periods.size());
        for (PeriodWindow period : periods) {
            series.add(Map.entry(period, totals(tenant, type, id, period)));
        }
        return series;
    }

    /** Each row of the key that lies in {@code period}: head quarters, whole UTC days, tail quarters. */
    private void rows(String key, PeriodWindow period, Consumer<ReportRow> each) {
        if (!answerable(period)) {
            throw new IllegalArgumentException("usage is kept in quarter hours; " + period + " does not start and end on one");
        }
        PeriodUsage.Cut cut = PeriodUsage.Cut.around(period);
        fetch(quarters, key, cut.headFrom(), cut.headTo(), each);
        fetch(days, key, cut.daysFrom(), cut.daysTo(), each);
        fetch(quarters, key, cut.tailFrom(), cut.tailTo(), each);
    }

    private static void fetch(ReadOnlyWindowStore<String, ReportRow> store, String key, long from, long to, Consumer<ReportRow> each) {
        if (to < from) {
            return;
        }
        try (WindowStoreIterator<ReportRow> rows = store.fetch(key, Instant.ofEpochMilli(from), Instant.ofEpochMilli(to))) {
            rows.forEachRemaining(row -> each.accept(row.value));
        }
    }

    /** The rows as the reporting task writes them. */
    public static final class Writable extends ReportStore {
        private final WindowStore<String, ReportRow> quarters;
        private final WindowStore<String, ReportRow> days;

        public Writable(WindowStore<String, ReportRow> quarters, WindowStore<String, ReportRow> days) {
            super(quarters, days);
            this.quarters = quarters;
            this.days = days;
        }

        /**
         * Adds a counted event to the quarter and day rows of every scope it counts toward, every
         * new amount computed before any is written.
         *
         * @throws ArithmeticException when an amount would overflow: nothing of the event is written
         */
        public void add(RatedUsage usage) {
            long at = usage.event().getOccurredAt().toEpochMilli();
            String tenant = usage.event().getTenantId();
            List<Scope> scopes = Scopes.of(usage.event());
            List<Runnable> writes = new ArrayList<>(scopes.size() * 2);
            for (Scope scope : scopes) {
                String key = key(tenant, scope.type(), scope.id());
                writes.add(added(quarters, key, Buckets.quarter(at), usage, scope, scopes));
                writes.add(added(days, key, Buckets.day(at), usage, scope, scopes));
            }
            writes.forEach(Runnable::run);
        }

        private static Runnable added(WindowStore<String, ReportRow> store, String key, long bucket, RatedUsage usage, Scope own,
                                      List<Scope> scopes) {
            ReportRow current = store.fetch(key, bucket);
            ReportRow.Change change = (current == null ? new ReportRow() : current).add(usage, own, scopes);
            return () -> {
                change.apply();
                store.put(key, change.row(), bucket);
            };
        }
    }
}
