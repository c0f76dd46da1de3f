package dev.usageledger.streams.state;

import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.model.ReportBlock;
import dev.usageledger.streams.model.ReportCell;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.Buckets;
import dev.usageledger.streams.rules.PeriodWindow;
import dev.usageledger.streams.rules.Scopes;
import dev.usageledger.streams.store.CombiningStores;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import java.util.function.IntFunction;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The reporting part's usage ({@value Names#REPORT_QUARTER_STORE},
 * {@value Names#REPORT_HOUR_STORE} and {@value Names#REPORT_DAY_STORE}): per tenant and quarter
 * hour, one {@link ReportBlock} of {@link ReportCell}s (the tenant's total, every scope's total,
 * every pair of scopes), so an event changes one block, not a row per scope, and a commit writes
 * each changed block once however many users, keys and models it covers.
 *
 * <p>Every zone's offset today is a multiple of 15 minutes, so any period of any zone starts and
 * ends on a quarter. A UTC day is summed from its quarters once it is over (an hour of event time
 * after its end, {@link #CLOSE_LAG_MS}) into an hour block per hour and a day block per tenant;
 * a day with no day block yet is read from its quarters. An event of a day already summed goes to
 * its quarter, its hour and its day. So a month in any zone is about 30 day blocks, the hours and
 * quarters at either end and the quarters of the day being counted, and that day costs one block
 * per event.
 *
 * <p>A block that outgrows {@value #PART_MAX_CELLS} cells is split: the bucket's cells of users
 * are spread by user over 2<sup>g</sup> parts (generation g; the cells of no user stay in part 0),
 * each part its own record, and a header record names the generation. A split writes every part of
 * the new generation before the header, and the parts of the old one stay as they were (they
 * expire with the bucket), so a reader that read the header reads one generation, whole.
 */
public sealed class ReportStore permits ReportStore.Writable {
    /** Blocks a store holds in memory between two commits before it writes them early. */
    static final int PENDING_MAX = 20_000;
    /** Cells in one part before its bucket is split: about 35 bytes a cell, far below a record's 1 MiB. */
    static final int PART_MAX_CELLS = 8_000;
    /** At most 2^12 parts a bucket. */
    static final int MAX_GENERATION = 12;
    /** How long after a UTC day ends, in event time, its quarters are summed into day blocks. */
    static final long CLOSE_LAG_MS = Buckets.HOUR_MS;
    /** Days summed at most when event time leaps; the days skipped are read from their quarters. */
    static final int CLOSE_MAX_DAYS = 62;
    /** The day store's key whose buckets mark the days summed: the last one is where summing resumes. */
    static final String CLOSED_KEY = KeyParts.SEP + "closed";

    private final ReadOnlyWindowStore<String, ReportBlock> quarters;
    private final ReadOnlyWindowStore<String, ReportBlock> hours;
    private final ReadOnlyWindowStore<String, ReportBlock> days;

    public ReportStore(ReadOnlyWindowStore<String, ReportBlock> quarters, ReadOnlyWindowStore<String, ReportBlock> hours,
                       ReadOnlyWindowStore<String, ReportBlock> days) {
        this.quarters = quarters;
        this.hours = hours;
        this.days = days;
    }

    /** The quarter-hour blocks, kept for {@code retention}; written once per block and commit. */
    public static StoreBuilder<WindowStore<String, ReportBlock>> quarters(Duration retention) {
        return builder(Names.REPORT_QUARTER_STORE, retention, Buckets.QUARTER_MS);
    }

    /** The hour blocks of the days summed, kept for {@code retention}. */
    public static StoreBuilder<WindowStore<String, ReportBlock>> hours(Duration retention) {
        return builder(Names.REPORT_HOUR_STORE, retention, Buckets.HOUR_MS);
    }

    /** The UTC day blocks of the days summed, kept for {@code retention}. */
    public static StoreBuilder<WindowStore<String, ReportBlock>> days(Duration retention) {
        return builder(Names.REPORT_DAY_STORE, retention, Buckets.DAY_MS);
    }

    private static StoreBuilder<WindowStore<String, ReportBlock>> builder(String name, Duration retention, long bucketMs) {
        return CombiningStores.windowStore(Stores.persistentWindowStore(name, retention, Duration.ofMillis(bucketMs), false),
                ReportBlock.serde(), PENDING_MAX).withCachingDisabled();
    }

    /** The key of a bucket's header, which names its generation when it has been split. */
    public static String headerKey(String tenant) {
        return tenant + KeyParts.SEP + "#";
    }

    /** The key of part {@code part} of generation {@code generation} of a tenant's buckets. */
    public static String partKey(String tenant, int generation, int part) {
        return tenant + KeyParts.SEP + generation + KeyParts.SEP + part;
    }

    /** The part of generation {@code generation} that holds {@code user}'s cells; the cells of no user are in part 0. */
    static int partOf(String user, int generation) {
        if (user == null || generation == 0) {
            return 0;
        }
        int hash = user.hashCode(); // specified by the language: the same in every JVM
        return (hash ^ (hash >>> 16)) & ((1 << generation) - 1);
    }

    /** Whether the blocks can answer for {@code period} exactly: both ends on a quarter hour. */
    public static boolean answerable(PeriodWindow period) {
        return period.start().toEpochMilli() % Buckets.QUARTER_MS == 0 && period.end().toEpochMilli() % Buckets.QUARTER_MS == 0;
    }

    /** The scope's usage over {@code period}, which must be {@link #answerable}. */
    public Totals totals(String tenant, SubjectType type, String id, PeriodWindow period) {
        IntFunction<int[]> parts = partsOf(type == SubjectType.user ? id : null);
        return totals(tenant, ReportCell.single(type, id), period, parts, summedDays(tenant, List.of(period), parts));
    }

    /**
     * The scope's usage over {@code period} by each member of {@code dimension} its events named.
     * The tenant's breakdown is every member's own total; another scope's is its pairs with the
     * dimension, so it sums to the part of the scope's totals whose events named a member of it.
     */
    public Map<String, Totals> breakdown(String tenant, SubjectType type, String id, SubjectType dimension, PeriodWindow period) {
        if (dimension == type) {
            throw new IllegalArgumentException("a scope is not broken down by its own dimension: " + type);
        }
        if (dimension == SubjectType.tenant) {
            throw new IllegalArgumentException("a scope is not broken down by tenant: it has one");
        }
        Map<String, Totals> byMember = new TreeMap<>();
        IntFunction<int[]> parts = type == SubjectType.user ? partsOf(id) : dimension == SubjectType.user ? ReportStore::allParts
                : partsOf(null);
        if (type == SubjectType.tenant) {
            blocks(tenant, period, parts, summedDays(tenant, List.of(period), parts), block -> block.forEach((cell, totals) -> {
                if (!cell.isPair() && cell.a() == dimension) {
                    byMember.merge(cell.aId(), totals, Totals::plus);
                }
            }));
        } else {
            blocks(tenant, period, parts, summedDays(tenant, List.of(period), parts), block -> block.forEach((cell, totals) -> {
                String member = cell.isPair() ? cell.partner(type, id, dimension) : null;
                if (member != null) {
                    byMember.merge(member, totals, Totals::plus);
                }
            }));
        }
        return byMember;
    }

    /** The scope's usage over each of {@code periods}, in their order. */
    public List<Map.Entry<PeriodWindow, Totals>> series(String tenant, SubjectType type, String id, List<PeriodWindow> periods) {
        IntFunction<int[]> parts = partsOf(type == SubjectType.user ? id : null);
        Map<Long, List<ReportBlock>> summed = summedDays(tenant, periods, parts);
        ReportCell cell = ReportCell.single(type, id);
        List<Map.Entry<PeriodWindow, Totals>> series = new ArrayList<>(periods.size());
        for (PeriodWindow period : periods) {
            series.add(Map.entry(period, totals(tenant, cell, period, parts, summed)));
        }
        return series;
    }

    private Totals totals(String tenant, ReportCell cell, PeriodWindow period, IntFunction<int[]> parts, Map<Long, List<ReportBlock>> summed) {
        Totals[] sum = {Totals.ZERO};
        blocks(tenant, period, parts, summed, block -> sum[0] = sum[0].plus(block.get(cell)));
        return sum[0];
    }

    /** For a generation, the parts that hold {@code user}'s cells (every cell of no user when null). */
    private static IntFunction<int[]> partsOf(String user) {
        return generation -> new int[] {partOf(user, generation)};
    }

    private static int[] allParts(int generation) {
        int[] all = new int[1 << generation];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }

    /**
     * The day blocks of the days {@code periods} touch, by day: a day with none is not summed yet
     * (or had no usage) and is read from its quarters.
     */
    private Map<Long, List<ReportBlock>> summedDays(String tenant, List<PeriodWindow> periods, IntFunction<int[]> parts) {
        Map<Long, List<ReportBlock>> byDay = new HashMap<>();
        long first = periods.stream().mapToLong(period -> period.start().toEpochMilli()).min().orElseThrow();
        long last = periods.stream().mapToLong(period -> period.end().toEpochMilli() - 1).max().orElseThrow();
        blocks(days, tenant, Buckets.day(first), Buckets.day(last), parts,
                (day, block) -> byDay.computeIfAbsent(day, d -> new ArrayList<>()).add(block));
        return byDay;
    }

    /**
     * The tenant's blocks in {@code period} (the parts {@code parts} names of each), UTC day by
     * UTC day: a whole day summed is its day block; part of a day summed is its whole hours and
     * the quarters at either end; a day not summed is its quarters.
     */
    private void blocks(String tenant, PeriodWindow period, IntFunction<int[]> parts, Map<Long, List<ReportBlock>> summed,
                        Consumer<ReportBlock> each) {
        if (!answerable(period)) {
            throw new IllegalArgumentException("usage is kept in quarter hours; " + period + " does not start and end on one");
        }
        long start = period.start().toEpochMilli();
        long end = period.end().toEpochMilli();
        BucketConsumer blocks = (bucket, block) -> each.accept(block);
        for (long day = Buckets.day(start); day < end; day += Buckets.DAY_MS) {
            long from = Math.max(start, day);
            long to = Math.min(end, day + Buckets.DAY_MS);
            List<ReportBlock> dayBlocks = summed.get(day);
            if (dayBlocks == null) {
                range(quarters, tenant, from, to, parts, blocks);
            } else if (from == day && to == day + Buckets.DAY_MS) {
                dayBlocks.forEach(each);
            } else {
                long firstHour = Math.ceilDiv(from, Buckets.HOUR_MS) * Buckets.HOUR_MS;
                long lastHour = Math.max(firstHour, Buckets.hour(to));
                range(quarters, tenant, from, Math.min(firstHour, to), parts, blocks);
                range(hours, tenant, firstHour, lastHour, parts, blocks);
                range(quarters, tenant, Math.max(lastHour, from), to, parts, blocks);
            }
        }
    }

    /** The tenant's blocks of buckets starting in {@code [from, to)}. */
    private static void range(ReadOnlyWindowStore<String, ReportBlock> store, String tenant, long from, long to, IntFunction<int[]> parts,
                              BucketConsumer each) {
        blocks(store, tenant, from, to - 1, parts, each);
    }

    /**
     * The tenant's blocks of buckets starting in {@code [from, to]}: the headers first, then the
     * parts of each bucket's generation. Every bucket the tenant has a block in is named, with an
     * empty block when the parts wanted are empty.
     */
    private static void blocks(ReadOnlyWindowStore<String, ReportBlock> store, String tenant, long from, long to, IntFunction<int[]> parts,
                               BucketConsumer each) {
        if (to < from) {
            return;
        }
        Map<Long, Integer> generations = new HashMap<>();
        fetch(store, headerKey(tenant), from, to, (bucket, header) -> generations.put(bucket, header.generation()));
        fetch(store, partKey(tenant, 0, 0), from, to, (bucket, block) -> {
            if (!generations.containsKey(bucket)) {
                each.accept(bucket, block);
            }
        });
        generations.forEach((bucket, generation) -> each.accept(bucket, new ReportBlock(generation)));
        for (int generation : new TreeSet<>(generations.values())) {
            for (int part : parts.apply(generation)) {
                fetch(store, partKey(tenant, generation, part), from, to, (bucket, block) -> {
                    if (generations.get(bucket) == generation) {
                        each.accept(bucket, block);
                    }
                });
            }
        }
    }

    private interface BucketConsumer {
        void accept(long bucket, ReportBlock block);
    }

    private static void fetch(ReadOnlyWindowStore<String, ReportBlock> store, String key, long from, long to, BucketConsumer each) {
        try (WindowStoreIterator<ReportBlock> blocks = store.fetch(key, Instant.ofEpochMilli(from), Instant.ofEpochMilli(to))) {
            blocks.forEachRemaining(block -> each.accept(block.key, block.value));
        }
    }

    /** The blocks as the reporting task writes them. */
    public static final class Writable extends ReportStore {
        /** Generations known per bucket, of both stores; only this task writes the headers. */
        private static final int KNOWN_MAX = 100_000;
        /** In {@link #generations}: a day not summed for the tenant. */
        private static final int NOT_SUMMED = -1;

        private final WindowStore<String, ReportBlock> quarters;
        private final WindowStore<String, ReportBlock> hours;
        private final WindowStore<String, ReportBlock> days;
        private final Map<Bucket, Integer> generations = new HashMap<>();
        /** The start of the last day summed; every day up to it is over (summed, or read from its quarters). */
        private long lastClosed;
        private long newest = Long.MIN_VALUE;

        public Writable(WindowStore<String, ReportBlock> quarters, WindowStore<String, ReportBlock> hours,
                        WindowStore<String, ReportBlock> days) {
            super(quarters, hours, days);
            this.quarters = quarters;
            this.hours = hours;
            this.days = days;
            try (WindowStoreIterator<ReportBlock> marks = days.backwardFetch(CLOSED_KEY, Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE))) {
                lastClosed = marks.hasNext() ? marks.next().key : Long.MIN_VALUE;
            }
        }

        private enum Level { QUARTER, HOUR, DAY }

        private record Bucket(Level level, String tenant, long start) {
        }

        /**
         * Adds a counted event to every cell it counts toward in its quarter (and its hour and day,
         * when the day is summed), every new amount computed before any is written; then sums the
         * days that are now over.
         *
         * @throws ArithmeticException when an amount would overflow: nothing of the event is written
         */
        public void add(RatedUsage usage) {
            long at = usage.event().getOccurredAt().toEpochMilli();
            String tenant = usage.event().getTenantId();
            if (lastClosed == Long.MIN_VALUE) { // the first event ever: the days before it are over, and empty
                lastClosed = Buckets.day(at - CLOSE_LAG_MS) - Buckets.DAY_MS;
            }
            List<ReportCell> cells = ReportCell.of(Scopes.of(usage.event()));
            List<Change> changes = new ArrayList<>(3);
            changes.add(change(new Bucket(Level.QUARTER, tenant, Buckets.quarter(at)), cells, usage));
            if (Buckets.day(at) <= lastClosed) {
                Bucket day = new Bucket(Level.DAY, tenant, Buckets.day(at));
                if (generation(day) == NOT_SUMMED) {
                    sumDay(tenant, day.start());
                }
                changes.add(change(new Bucket(Level.HOUR, tenant, Buckets.hour(at)), cells, usage));
                changes.add(change(day, cells, usage));
            }
            changes.forEach(Change::apply);
            newest = Math.max(newest, at);
            closeDaysUpTo(Buckets.day(newest - CLOSE_LAG_MS) - Buckets.DAY_MS);
        }

        private WindowStore<String, ReportBlock> store(Bucket bucket) {
            return switch (bucket.level()) {
                case QUARTER -> quarters;
                case HOUR -> hours;
                case DAY -> days;
            };
        }

        /** The bucket's generation; for a day, {@link #NOT_SUMMED} when the tenant has no day block. */
        private int generation(Bucket bucket) {
            Integer known = generations.get(bucket);
            if (known != null) {
                return known;
            }
            ReportBlock header = store(bucket).fetch(headerKey(bucket.tenant()), bucket.start());
            int generation = header != null ? header.generation()
                    : bucket.level() == Level.DAY && store(bucket).fetch(partKey(bucket.tenant(), 0, 0), bucket.start()) == null ? NOT_SUMMED : 0;
            known(bucket, generation);
            return generation;
        }

        private void known(Bucket bucket, int generation) {
            if (generations.size() >= KNOWN_MAX) {
                generations.clear();
            }
            generations.put(bucket, generation);
        }

        private ReportBlock part(Bucket bucket, int generation, int part) {
            ReportBlock block = store(bucket).fetch(partKey(bucket.tenant(), generation, part), bucket.start());
            return block == null ? new ReportBlock(generation) : block.decoded();
        }

        private Change change(Bucket bucket, List<ReportCell> cells, RatedUsage usage) {
            int generation = generation(bucket);
            Map<Integer, ReportBlock> parts = new HashMap<>(4);
            List<ReportBlock> blocks = new ArrayList<>(cells.size());
            List<Totals> next = new ArrayList<>(cells.size());
            for (ReportCell cell : cells) {
                ReportBlock block = parts.computeIfAbsent(partOf(cell.user(), generation), part -> part(bucket, generation, part));
                blocks.add(block);
                next.add(block.get(cell).plus(usage));
            }
            return new Change(bucket, generation, cells, blocks, next, parts);
        }

        /** An event's new amounts in one bucket, computed; {@link #apply()} writes them. */
        private final class Change {
            private final Bucket bucket;
            private final int generation;
            private final List<ReportCell> cells;
            private final List<ReportBlock> blocks;
            private final List<Totals> next;
            private final Map<Integer, ReportBlock> parts;

            Change(Bucket bucket, int generation, List<ReportCell> cells, List<ReportBlock> blocks, List<Totals> next,
                   Map<Integer, ReportBlock> parts) {
                this.bucket = bucket;
                this.generation = generation;
                this.cells = cells;
                this.blocks = blocks;
                this.next = next;
                this.parts = parts;
            }

            void apply() {
                for (int i = 0; i < cells.size(); i++) {
                    blocks.get(i).put(cells.get(i), next.get(i));
                }
                boolean outgrown = false;
                for (Map.Entry<Integer, ReportBlock> part : parts.entrySet()) {
                    store(bucket).put(partKey(bucket.tenant(), generation, part.getKey()), part.getValue(), bucket.start());
                    outgrown |= part.getValue().size() > PART_MAX_CELLS && usersIn(part.getValue()) > PART_MAX_CELLS / 2;
                }
                if (outgrown && generation < MAX_GENERATION) {
                    Map<ReportCell, Totals> all = new HashMap<>();
                    for (int part = 0; part < 1 << generation; part++) {
                        part(bucket, generation, part).forEach(all::put);
                    }
                    write(bucket, generation + 1, all);
                }
            }
        }

        private static int usersIn(ReportBlock block) {
            int[] count = {0};
            block.forEach((cell, totals) -> count[0] += cell.user() == null ? 0 : 1);
            return count[0];
        }

        /**
         * Writes {@code cells} as the bucket's parts of {@code generation} (raised until no part is
         * past the bound, where spreading by user helps), then, when split, the header naming it.
         */
        private void write(Bucket bucket, int generation, Map<ReportCell, Totals> cells) {
            int users = 0;
            for (ReportCell cell : cells.keySet()) {
                users += cell.user() == null ? 0 : 1;
            }
            while (generation < MAX_GENERATION && users > (PART_MAX_CELLS / 2) << generation) {
                generation++;
            }
            ReportBlock[] parts = new ReportBlock[1 << generation];
            for (int i = 0; i < parts.length; i++) {
                parts[i] = new ReportBlock(generation);
            }
            int g = generation;
            cells.forEach((cell, totals) -> parts[partOf(cell.user(), g)].put(cell, totals));
            for (int part = 0; part < parts.length; part++) {
                store(bucket).put(partKey(bucket.tenant(), generation, part), parts[part], bucket.start());
            }
            if (generation > 0) {
                store(bucket).put(headerKey(bucket.tenant()), new ReportBlock(generation), bucket.start());
            }
            known(bucket, generation);
        }

        /** Sums the days after the last one summed, up to {@code lastOver}, each into hour and day blocks per tenant. */
        private void closeDaysUpTo(long lastOver) {
            if (lastOver <= lastClosed) {
                return;
            }
            long from = Math.max(lastClosed + Buckets.DAY_MS, lastOver - (CLOSE_MAX_DAYS - 1) * Buckets.DAY_MS);
            for (long day = from; day <= lastOver; day += Buckets.DAY_MS) {
                long start = day;
                quartersOf(day).forEach((tenant, byQuarter) -> writeSummed(tenant, start, byQuarter));
                days.put(CLOSED_KEY, new ReportBlock(0), day);
            }
            lastClosed = lastOver;
        }

        /** One tenant's day summed from its quarters, for an event of a day already over that the tenant had no day block of. */
        private void sumDay(String tenant, long day) {
            Map<Long, List<ReportBlock>> byQuarter = new HashMap<>();
            blocks(quarters, tenant, day, day + Buckets.DAY_MS - 1, ReportStore::allParts,
                    (quarter, block) -> byQuarter.computeIfAbsent(quarter, q -> new ArrayList<>()).add(block));
            writeSummed(tenant, day, byQuarter);
        }

        /** Writes the tenant's hour blocks and day block of {@code day}, summed from its quarter blocks (every part of each). */
        private void writeSummed(String tenant, long day, Map<Long, List<ReportBlock>> byQuarter) {
            Map<ReportCell, Totals> daySum = new HashMap<>();
            Map<Long, Map<ReportCell, Totals>> hourSums = new TreeMap<>();
            byQuarter.forEach((quarter, blocks) -> {
                Map<ReportCell, Totals> hourSum = hourSums.computeIfAbsent(Buckets.hour(quarter), h -> new HashMap<>());
                blocks.forEach(block -> block.forEach((cell, totals) -> {
                    hourSum.merge(cell, totals, Totals::plus);
                    daySum.merge(cell, totals, Totals::plus);
                }));
            });
            hourSums.forEach((hour, cells) -> write(new Bucket(Level.HOUR, tenant, hour), 0, cells));
            write(new Bucket(Level.DAY, tenant, day), 0, daySum);
        }

        /** Every quarter block of the day, by tenant and quarter: each bucket's parts of its own generation. */
        private Map<String, Map<Long, List<ReportBlock>>> quartersOf(long day) {
            Map<Long, Map<String, Integer>> generationsOf = new HashMap<>();
            Map<Long, Map<String, Map<Integer, List<ReportBlock>>>> parts = new HashMap<>();
            try (KeyValueIterator<Windowed<String>, ReportBlock> all = quarters.fetchAll(Instant.ofEpochMilli(day),
                    Instant.ofEpochMilli(day + Buckets.DAY_MS - 1))) {
                all.forEachRemaining(entry -> {
                    String key = entry.key.key();
                    int sep = key.indexOf(KeyParts.SEP);
                    String tenant = key.substring(0, sep);
                    long bucket = entry.key.window().start();
                    if (key.charAt(sep + 1) == '#') {
                        generationsOf.computeIfAbsent(bucket, b -> new HashMap<>()).put(tenant, entry.value.generation());
                    } else {
                        parts.computeIfAbsent(bucket, b -> new HashMap<>()).computeIfAbsent(tenant, t -> new HashMap<>())
                                .computeIfAbsent(entry.value.generation(), g -> new ArrayList<>()).add(entry.value);
                    }
                });
            }
            Map<String, Map<Long, List<ReportBlock>>> chosen = new HashMap<>();
            parts.forEach((bucket, byTenant) -> byTenant.forEach((tenant, byGeneration) -> {
                int generation = generationsOf.getOrDefault(bucket, Map.of()).getOrDefault(tenant, 0);
                chosen.computeIfAbsent(tenant, t -> new HashMap<>()).put(bucket, byGeneration.getOrDefault(generation, List.of()));
            }));
            return chosen;
        }
    }
}
