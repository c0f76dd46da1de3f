package dev.usageledger.streams;

import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageStatus;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * What the model-based test feeds the topology: a start instant and a list of steps, each plain
 * data so that jqwik can shrink a failing list. A step names earlier events and holds by
 * position ({@code ref}), so any sub-list of a case is a valid case. Every choice lists its
 * simplest value first: that is where shrinking goes.
 */
final class TopologyModelSteps {
    static final long SECOND = 1_000;
    static final long MINUTE = 60 * SECOND;
    static final long HOUR = 60 * MINUTE;
    static final long DAY = 24 * HOUR;
    static final long MAX = Long.MAX_VALUE;

    private TopologyModelSteps() {
    }

    /** One generated case: where the clock starts (see {@code TopologyModelInputs.START}) and what happens. */
    record Case(int start, List<Step> steps) {
        @Override
        public String toString() {
            StringBuilder text = new StringBuilder("Case[start=" + start + ", " + steps.size() + " steps:");
            for (int i = 0; i < steps.size(); i++) {
                text.append("\n    #").append(i).append(' ').append(steps.get(i));
            }
            return text.append(']').toString();
        }
    }

    sealed interface Step permits Send, Advance, PutPrice, DeletePrice, PutPolicy, DeletePolicy, RequestHold, VoidHold {
    }

    /** Who a call is and what it calls. */
    record Dims(List<String> teams, String user, String apiKey, String feature, String endpoint, String provider, String model) {
    }

    /** What a call used; {@code cached} is capped at {@code input} unless the event is flawed that way. */
    record Amounts(long input, long cached, long output, long reasoning, long requests, Long cost, Long latency) {
    }

    /** What makes an event invalid, if anything. */
    enum Flaw { NONE, NEGATIVE_TOKENS, CACHED_EXCEEDS_INPUT, NEGATIVE_COST, BAD_CURRENCY, WRONG_KEY, GARBAGE, TOMBSTONE }

    /**
     * A usage event of tenant {@code acme} (or {@code whale}, whose amounts may be near the end of
     * a long), occurring {@code lagMs} before the clock (negative: ahead of it); {@code idRef} -1 is
     * a fresh event id, else the id of an earlier event; {@code holdRef} -1 settles nothing.
     */
    record Send(boolean whale, int idRef, long lagMs, Dims dims, Amounts amounts, UsageStatus status, int holdRef, Flaw flaw)
            implements Step {
    }

    /** The clock (record time and wall-clock time) moves on. */
    record Advance(long ms) implements Step {
    }

    /** A price history entry effective {@code fromOffsetMs} from the clock. */
    record PutPrice(String provider, String model, long fromOffsetMs, long input, long cached, long output) implements Step {
    }

    /** A tombstone for an earlier price entry. */
    record DeletePrice(int ref) implements Step {
    }

    record Subj(SubjectType type, String id) {
    }

    /** A period: day or month in a zone (which may not be IANA), or rolling. */
    record Per(PeriodKind kind, String zone, long durationMs) {
    }

    record Limits(long limit, List<Integer> thresholds, Integer softPct, boolean enforce) {
    }

    record Filters(List<String> models, List<String> providers, List<String> features, List<String> endpoints) {
    }

    /** A policy written on the topic as one of a small pool of ids ({@code slot}) per tenant. */
    record PutPolicy(boolean whale, int slot, Subj subject, Metric metric, Per period, Limits limits, Filters filters)
            implements Step {
    }

    record DeletePolicy(boolean whale, int slot) implements Step {
    }

    /** A hold request of tenant {@code acme}; {@code idRef} -1 is a fresh hold id; {@code ttlMs} -1 has no expiry. */
    record RequestHold(int idRef, Dims scope, Amounts estimate, long ttlMs) implements Step {
    }

    record VoidHold(int ref) implements Step {
    }

    /**
     * Parts of the generation that can be left out ({@code -Dledger.model.exclude=whale,huge-limits}),
     * to see what a run finds without them: the default generates everything.
     */
    enum Part {
        /** Tenant {@code whale}: amounts near the end of a long, and its policies. */
        WHALE,
        /** Limits whose thresholds overflow a long when multiplied out (beyond Long.MAX_VALUE / 1000). */
        HUGE_LIMITS,
        /** Reasoning tokens in hold estimates. */
        HOLD_REASONING,
        /** Hold requests and voids (events still name holds, which then do not exist). */
        HOLDS;

        static Set<Part> parse(String names) {
            Set<Part> parts = EnumSet.noneOf(Part.class);
            for (String name : names == null ? new String[0] : names.split(",")) {
                if (!name.isBlank()) {
                    parts.add(valueOf(name.strip().toUpperCase(Locale.ROOT).replace('-', '_')));
                }
            }
            return parts;
        }
    }

    static Arbitrary<Case> cases(int maxSteps, Set<Part> excluded) {
        boolean whale = !excluded.contains(Part.WHALE);
        boolean hugeLimits = !excluded.contains(Part.HUGE_LIMITS);
        List<Tuple.Tuple2<Integer, Arbitrary<Step>>> steps = new ArrayList<>(List.of(
                Tuple.of(14, send()),
                Tuple.of(3, advance()),
                Tuple.of(5, policy(false, hugeLimits)),
                Tuple.of(1, Arbitraries.integers().between(0, 5).tuple2()
                        .map(t -> (Step) new DeletePolicy(whale && t.get1() % 2 == 1, t.get2()))),
                Tuple.of(2, price()),
                Tuple.of(1, Arbitraries.integers().between(0, 20).map(ref -> (Step) new DeletePrice(ref)))));
        if (!excluded.contains(Part.HOLDS)) {
            steps.add(Tuple.of(6, hold(!excluded.contains(Part.HOLD_REASONING))));
            steps.add(Tuple.of(1, Arbitraries.integers().between(0, 20).map(ref -> (Step) new VoidHold(ref))));
        }
        if (whale) {
            steps.add(Tuple.of(2, whaleSend()));
            steps.add(Tuple.of(2, policy(true, hugeLimits)));
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        Arbitrary<Step> step = Arbitraries.frequencyOf(steps.toArray(new Tuple.Tuple2[0]));
        return Combinators.combine(Arbitraries.integers().between(0, 2), step.list().ofMinSize(1).ofMaxSize(maxSteps)
                        .withSizeDistribution(RandomDistribution.uniform()))
                .as(Case::new);
    }

    private static Arbitrary<Step> send() {
        Arbitrary<Long> lag = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(0L, SECOND, 90 * SECOND, 10 * MINUTE)),
                Tuple.of(2, Arbitraries.of(2 * HOUR, 26 * HOUR, 3 * DAY)),
                Tuple.of(1, Arbitraries.of(8 * DAY, -5 * MINUTE, -20 * MINUTE)));
        Arbitrary<Flaw> flaw = Arbitraries.frequencyOf(Tuple.of(12, Arbitraries.just(Flaw.NONE)),
                Tuple.of(1, Arbitraries.of(Flaw.class)));
        return Combinators.combine(Arbitraries.just(false), ref(), lag, dims(), amounts(), Arbitraries.of(UsageStatus.class),
                Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(-1)), Tuple.of(1, Arbitraries.integers().between(0, 20))), flaw)
                .as(Send::new);
    }

    /** Tenant {@code whale}: amounts near the end of a long, so sums and counters can overflow. */
    private static Arbitrary<Step> whaleSend() {
        Arbitrary<Long> huge = Arbitraries.of(0L, 5L, 1L << 61, MAX / 2 + 3, MAX / 3 * 2);
        Arbitrary<Amounts> amounts = Combinators.combine(huge, Arbitraries.of(0L, 5L), huge, huge,
                        Arbitraries.of(1L, MAX / 2 + 1), Arbitraries.of(MAX / 2 + 7, 1L, MAX / 3 * 2).injectNull(0.4),
                        Arbitraries.just((Long) null))
                .as(Amounts::new);
        Arbitrary<Dims> dims = Combinators.combine(Arbitraries.of(List.<String>of(), List.of("t1")), Arbitraries.of("u1", "u2"),
                        Arbitraries.just((String) null), Arbitraries.just((String) null), Arbitraries.just((String) null),
                        Arbitraries.of("p1", "p2"), Arbitraries.of("m1", "m3"))
                .as(Dims::new);
        return Combinators.combine(Arbitraries.just(true), ref(), Arbitraries.of(0L, 2 * HOUR, 26 * HOUR), dims, amounts,
                        Arbitraries.just(UsageStatus.ok), Arbitraries.just(-1), Arbitraries.just(Flaw.NONE))
                .as(Send::new);
    }

    private static Arbitrary<Integer> ref() {
        return Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(-1)), Tuple.of(1, Arbitraries.integers().between(0, 30)));
    }

    private static Arbitrary<Dims> dims() {
        return Combinators.combine(
                        Arbitraries.of(List.<String>of(), List.of("t1"), List.of("t2"), List.of("t1", "t2"), List.of("t1", "t1")),
                        Arbitraries.of("u1", "u2", "").injectNull(0.3),
                        Arbitraries.of("k1", "k2").injectNull(0.4),
                        Arbitraries.of("f1", "f2").injectNull(0.4),
                        Arbitraries.of("/e1", "/e2").injectNull(0.4),
                        Arbitraries.of("p1", "p2").injectNull(0.15),
                        Arbitraries.of("m1", "m2", "m3").injectNull(0.15))
                .as(Dims::new);
    }

    private static Arbitrary<Amounts> amounts() {
        // small counts make rating land on half a micro (0.5 micro-units per token at 500,000 per million)
        Arbitrary<Long> tokens = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of(0L, 1L, 2L, 3L, 5L)),
                Tuple.of(2, Arbitraries.of(1_000L, 12_345L, 1_000_000L)));
        return Combinators.combine(tokens, Arbitraries.of(0L, 1L, 500L, 1_000_000L), tokens, tokens, Arbitraries.of(1L, 0L, 3L),
                        Arbitraries.of(0L, 1L, 999L, 250_000L, 10_000_000L).injectNull(0.7),
                        Arbitraries.of(0L, 15L, 1_234L).injectNull(0.3))
                .as(Amounts::new);
    }

    private static Arbitrary<Step> advance() {
        return Arbitraries.of(SECOND, 30 * SECOND, 10 * MINUTE, HOUR, 6 * HOUR, DAY + 1_234, 2 * DAY).map(Advance::new);
    }

    private static Arbitrary<Step> price() {
        Arbitrary<Long> perMillion = Arbitraries.of(400_000L, 0L, 3L, 100_000L, 500_000L, 1_500_000L, 1_600_000L);
        return Combinators.combine(Arbitraries.of(List.of("p1", "m1"), List.of("p2", "m2"), List.of("p1", "m2")),
                        Arbitraries.of(0L, -3 * DAY, -HOUR, 10 * MINUTE, 2 * HOUR, -30 * DAY), perMillion, perMillion, perMillion)
                .as((pm, from, in, cached, out) -> new PutPrice(pm.get(0), pm.get(1), from, in, cached, out));
    }

    private static Arbitrary<Step> policy(boolean whale, boolean hugeLimits) {
        // the tenant's own budgets govern every call, so they are generated as often as all the others together
        Arbitrary<SubjectType> type = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(SubjectType.tenant)),
                Tuple.of(6, Arbitraries.of(SubjectType.class)));
        Arbitrary<Subj> subject = type.flatMap(t -> subjectIds(t, whale).map(id -> new Subj(t, id)));
        Arbitrary<String> zone = whale ? Arbitraries.of("UTC", "Asia/Kolkata").injectNull(0.3)
                : Arbitraries.of("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Mars/Base").injectNull(0.2);
        Arbitrary<Per> period = Combinators.combine(Arbitraries.of(PeriodKind.day, PeriodKind.month, PeriodKind.rolling), zone,
                Arbitraries.of(MINUTE, HOUR, 90 * SECOND)).as(Per::new);
        Arbitrary<Integer> percent = Arbitraries.of(50, 80, 100, 0, 1, 33, 90, 99, 101, 150, 333, 999, 1000);
        List<Long> limits = new ArrayList<>(whale ? List.of(1_000L, 0L, 1_000_000_000_000_000L)
                : List.of(1_000L, 0L, 1L, 50L, 1_000_000L, 1_000_000_000_000_000L));
        if (hugeLimits) {
            limits.addAll(List.of(MAX, MAX / 3, 1L << 62));
        }
        Arbitrary<Long> limit = Arbitraries.of(limits);
        Arbitrary<Limits> limitsAndThresholds = Combinators.combine(limit, percent.list().ofMaxSize(4), percent.injectNull(0.6),
                        Arbitraries.of(true, false))
                .as(Limits::new);
        Arbitrary<Filters> filters = Combinators.combine(filter("m1", "m3"), filter("p1", "p2"), filter("f1", "f2"), filter("/e1", "/e2"))
                .as(Filters::new);
        return Combinators.combine(Arbitraries.just(whale), Arbitraries.integers().between(0, whale ? 2 : 5), subject,
                Arbitraries.of(Metric.class), period, limitsAndThresholds, filters).as(PutPolicy::new);
    }

    private static Arbitrary<List<String>> filter(String one, String other) {
        return Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(List.<String>of())),
                Tuple.of(1, Arbitraries.of(List.of(one), List.of(one, other))));
    }

    private static Arbitrary<String> subjectIds(SubjectType type, boolean whale) {
        return switch (type) {
            case tenant -> Arbitraries.of(whale ? "whale" : "acme", "*");
            case team -> Arbitraries.of("*", "t1", "t2");
            case user -> Arbitraries.of("*", "u1", "u2");
            case api_key -> Arbitraries.of("*", "k1", "k2");
            case feature -> Arbitraries.of("*", "f1", "f2");
            case provider -> Arbitraries.of("*", "p1", "p2");
            case model -> Arbitraries.of("*", "m1", "m2", "m3");
        };
    }

    private static Arbitrary<Step> hold(boolean reasoning) {
        Arbitrary<Long> tokens = Arbitraries.of(0L, 5L, 1_000L, 100_000L);
        Arbitrary<Amounts> estimate = Combinators.combine(tokens, Arbitraries.of(0L, 5L), tokens,
                        reasoning ? Arbitraries.of(0L, 7L, 5_000L) : Arbitraries.just(0L),
                        Arbitraries.of(1L, 0L, 3L), Arbitraries.of(0L, 100L, 1_000L, 50_000L, 2_000_000L), Arbitraries.just((Long) null))
                .as(Amounts::new);
        return Combinators.combine(ref(), dims(), estimate, Arbitraries.of(10 * MINUTE, -1L, 0L, 30 * SECOND, 2 * HOUR))
                .as(RequestHold::new);
    }
}
