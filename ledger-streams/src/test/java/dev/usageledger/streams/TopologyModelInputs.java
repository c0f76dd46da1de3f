package dev.usageledger.streams;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.CallScope;
import dev.usageledger.schemas.avro.Estimate;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.HoldEventType;
import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.PolicyFilters;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.streams.TopologyModelSteps.Advance;
import dev.usageledger.streams.TopologyModelSteps.Amounts;
import dev.usageledger.streams.TopologyModelSteps.DeletePolicy;
import dev.usageledger.streams.TopologyModelSteps.DeletePrice;
import dev.usageledger.streams.TopologyModelSteps.Flaw;
import dev.usageledger.streams.TopologyModelSteps.PutPolicy;
import dev.usageledger.streams.TopologyModelSteps.PutPrice;
import dev.usageledger.streams.TopologyModelSteps.RequestHold;
import dev.usageledger.streams.TopologyModelSteps.Send;
import dev.usageledger.streams.TopologyModelSteps.Step;
import dev.usageledger.streams.TopologyModelSteps.VoidHold;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the steps of a case into concrete records, one at a time, with the clock and the ids
 * used so far: both the topology and the reference model are given exactly these records.
 */
final class TopologyModelInputs {
    /** Where a case's clock starts: a month's end with a DST change in Europe, a month's end with one in New York, a year's end. */
    static final Instant[] START = {Instant.parse("2026-03-28T20:00:00Z"), Instant.parse("2026-10-30T12:00:00Z"),
            Instant.parse("2026-12-30T18:00:00Z")};
    /** The clock never goes further than this past the start: no counter, breach or finished hold ages out. */
    static final long SPAN_MS = 6 * TopologyModelSteps.DAY;

    sealed interface Input permits UsageIn, PriceIn, PolicyIn, HoldIn, AdvanceIn {
    }

    /** A usage record: the event, or (event null) an unreadable payload or a tombstone. */
    record UsageIn(String key, UsageEvent event, Flaw flaw, long timestamp) implements Input {
    }

    /** A price entry (null: its tombstone) under its topic key. */
    record PriceIn(String key, PriceChange price) implements Input {
    }

    /** A policy (null: its tombstone). */
    record PolicyIn(String id, BudgetPolicy policy) implements Input {
    }

    record HoldIn(HoldEvent event) implements Input {
    }

    /** The clock moves on by {@code ms} (0: it would leave the span, so nothing happens). */
    record AdvanceIn(long ms) implements Input {
    }

    private final long start;
    private long now;
    private final List<String> eventIds = new ArrayList<>();
    private final List<String> holdIds = new ArrayList<>();
    private final List<String> priceKeys = new ArrayList<>();

    TopologyModelInputs(int start) {
        this.start = START[start].toEpochMilli();
        this.now = this.start;
    }

    long now() {
        return now;
    }

    /** The price history every case starts from, a month before its start. */
    List<Input> baseline() {
        return List.of(price(new PutPrice("p1", "m1", -30 * TopologyModelSteps.DAY, 400_000, 100_000, 1_600_000)),
                price(new PutPrice("p2", "m2", -30 * TopologyModelSteps.DAY, 500_000, 500_000, 1_500_000)));
    }

    Input next(Step step) {
        return switch (step) {
            case Send s -> usage(s);
            case Advance a -> {
                long ms = now + a.ms() - start > SPAN_MS ? 0 : a.ms();
                now += ms;
                yield new AdvanceIn(ms);
            }
            case PutPrice p -> price(p);
            case DeletePrice d -> priceKeys.isEmpty() ? new AdvanceIn(0) : new PriceIn(priceKeys.get(d.ref() % priceKeys.size()), null);
            case PutPolicy p -> new PolicyIn(policyId(p.whale(), p.slot()), policy(p));
            case DeletePolicy d -> new PolicyIn(policyId(d.whale(), d.slot()), null);
            case RequestHold h -> new HoldIn(holdRequest(h));
            case VoidHold v -> new HoldIn(HoldEvent.newBuilder()
                    .setHoldId(holdIds.isEmpty() ? "h-none" : holdIds.get(v.ref() % holdIds.size()))
                    .setTenantId("acme").setType(HoldEventType.void_requested).setOccurredAt(Instant.ofEpochMilli(now))
                    .setScope(CallScope.newBuilder().build()).setEstimate(Estimate.newBuilder().build()).build());
        };
    }

    private UsageIn usage(Send s) {
        String tenant = s.whale() ? "whale" : "acme";
        String id = s.idRef() < 0 || eventIds.isEmpty() ? "e" + eventIds.size() : eventIds.get(s.idRef() % eventIds.size());
        eventIds.add(id);
        Amounts a = s.amounts();
        long input = s.flaw() == Flaw.NEGATIVE_TOKENS ? -a.input() - 1 : a.input();
        long cached = s.flaw() == Flaw.CACHED_EXCEEDS_INPUT ? Math.max(0, input) + 1 : Math.min(a.cached(), Math.max(0, input));
        Long cost = s.flaw() == Flaw.NEGATIVE_COST ? Long.valueOf(-1 - (a.cost() == null ? 0 : a.cost())) : a.cost();
        String hold = s.holdRef() < 0 ? null : holdIds.isEmpty() ? "h-none" : holdIds.get(s.holdRef() % holdIds.size());
        var dims = s.dims();
        UsageEvent event = UsageEvent.newBuilder().setEventId(id).setTenantId(tenant).setOccurredAt(Instant.ofEpochMilli(now - s.lagMs()))
                .setTeamIds(dims.teams()).setUserId(dims.user()).setApiKeyId(dims.apiKey()).setFeature(dims.feature())
                .setEndpoint(dims.endpoint()).setProvider(dims.provider()).setModel(dims.model()).setInputTokens(input)
                .setCachedInputTokens(cached).setOutputTokens(a.output()).setReasoningTokens(a.reasoning()).setRequests(a.requests())
                .setCostMicros(cost).setCurrency(s.flaw() == Flaw.BAD_CURRENCY ? "usd" : null).setStatus(s.status())
                .setLatencyMs(a.latency()).setHoldId(hold).build();
        String key = s.flaw() == Flaw.WRONG_KEY ? (s.whale() ? "acme" : "whale") : tenant;
        boolean readable = s.flaw() != Flaw.GARBAGE && s.flaw() != Flaw.TOMBSTONE;
        return new UsageIn(key, readable ? event : null, s.flaw(), now);
    }

    private PriceIn price(PutPrice p) {
        Instant from = Instant.ofEpochMilli(now + p.fromOffsetMs());
        String key = p.provider() + "/" + p.model() + "@" + from.toEpochMilli();
        priceKeys.add(key);
        return new PriceIn(key, PriceChange.newBuilder().setProvider(p.provider()).setModel(p.model()).setEffectiveFrom(from)
                .setCurrency("USD").setInputMicrosPerMtok(p.input()).setCachedInputMicrosPerMtok(p.cached())
                .setOutputMicrosPerMtok(p.output()).build());
    }

    private static String policyId(boolean whale, int slot) {
        return (whale ? "whale-p" : "acme-p") + slot;
    }

    private static BudgetPolicy policy(PutPolicy p) {
        var per = p.period();
        Period period = Period.newBuilder().setKind(per.kind())
                .setTimeZone(per.kind() == PeriodKind.rolling ? null : per.zone())
                .setDurationMs(per.kind() == PeriodKind.rolling ? per.durationMs() : null).build();
        var f = p.filters();
        return BudgetPolicy.newBuilder().setPolicyId(policyId(p.whale(), p.slot())).setTenantId(p.whale() ? "whale" : "acme")
                .setSubject(new Subject(p.subject().type(), p.subject().id()))
                .setFilters(new PolicyFilters(f.models(), f.providers(), f.features(), f.endpoints(), List.of())).setMetric(p.metric())
                .setLimit(p.limits().limit()).setPeriod(period).setThresholds(p.limits().thresholds())
                .setSoftLimitPct(p.limits().softPct()).setEnforce(p.limits().enforce()).build();
    }

    private HoldEvent holdRequest(RequestHold h) {
        String id = h.idRef() < 0 || holdIds.isEmpty() ? "h" + holdIds.size() : holdIds.get(h.idRef() % holdIds.size());
        holdIds.add(id);
        var d = h.scope();
        var e = h.estimate();
        return HoldEvent.newBuilder().setHoldId(id).setTenantId("acme").setType(HoldEventType.requested)
                .setOccurredAt(Instant.ofEpochMilli(now)).setExpiresAt(h.ttlMs() < 0 ? null : Instant.ofEpochMilli(now + h.ttlMs()))
                .setScope(CallScope.newBuilder().setTeamIds(d.teams()).setUserId(d.user()).setApiKeyId(d.apiKey())
                        .setFeature(d.feature()).setEndpoint(d.endpoint()).setProvider(d.provider()).setModel(d.model()).build())
                .setEstimate(Estimate.newBuilder().setCostMicros(e.cost() == null ? 0 : e.cost()).setInputTokens(e.input())
                        .setCachedInputTokens(Math.min(e.cached(), e.input())).setOutputTokens(e.output())
                        .setReasoningTokens(e.reasoning()).setRequests(e.requests()).build())
                .build();
    }
}
