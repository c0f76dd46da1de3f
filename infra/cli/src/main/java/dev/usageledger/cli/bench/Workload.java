package dev.usageledger.cli.bench;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.PolicyFilters;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.avro.Subject;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.streams.rules.Price;
import dev.usageledger.streams.rules.Rating;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The generated workload every benchmark of the suite reads: tenants, their users, API keys and
 * teams, a catalogue of models with prices, and usage events with realistic token counts. Event
 * {@code i} depends only on the seed and {@code i}, so any part can be regenerated alone and the
 * same run gives every job the same records.
 *
 * <p>User {@code u} belongs to tenant {@code u % tenants}, key {@code k} to tenant {@code k % tenants},
 * so the sizes are global counts. Half of the events carry their cost (as a gateway that rates
 * calls itself would send them); the ledger rates the other half from the price book. Every
 * event's cost is known here too, computed with the same rules, for peers that store it.
 */
record Workload(long seed, int tenants, int users, int keys, int models, Instant start, long spacingMs) {
    static final String[] PROVIDERS = {"openai", "anthropic", "google"};
    static final String[] FEATURES = {"chat", "search", "summarize", "agent", "embed"};
    static final long TENANT_MONTH_LIMIT = 50_000_000_000L;
    static final long USER_DAY_LIMIT = 2_000_000_000L;

    Workload {
        if (tenants < 1 || users < tenants || keys < tenants || models < 1) {
            throw new IllegalArgumentException("every tenant needs a user and a key: tenants=" + tenants + ", users=" + users
                    + ", keys=" + keys + ", models=" + models);
        }
    }

    /** One generated call: the event as published, and its cost in micro-units whoever rates it. */
    record Call(UsageEvent event, long costMicros) {
        PostgresPeer.PeerEvent forPeer() {
            return new PostgresPeer.PeerEvent(event.getEventId(), event.getTenantId(), event.getUserId(), event.getOccurredAt(),
                    costMicros, event.getInputTokens(), event.getOutputTokens());
        }
    }

    /** Event {@code i}, occurring {@code i * spacingMs} after the start. */
    Call call(long i) {
        return call(i, start.plusMillis(i * spacingMs), "w-" + seed + "-" + i);
    }

    /** A call shaped like event {@code i}, at {@code at}, with the given id (for traffic published while measuring). */
    Call call(long i, Instant at, String eventId) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
        int user = random.nextInt(users);
        int tenant = user % tenants;
        int key = tenant + tenants * random.nextInt(Math.max(1, keys / tenants));
        int model = random.nextInt(models);
        long input = 50 + (long) random.nextInt(400) * (1 + random.nextInt(10));
        long cached = random.nextInt(4) == 0 ? input / 2 : 0;
        long output = 20 + random.nextInt(900);
        long reasoning = model % 5 == 0 ? random.nextInt(600) : 0;
        long cost = Rating.costMicros(input, cached, output, reasoning, price(model));
        UsageEvent event = UsageEvent.newBuilder().setEventId(eventId).setTenantId(tenantId(tenant)).setOccurredAt(at)
                .setTeamIds(List.of(tenantId(tenant) + "-team" + user % 4)).setUserId(userId(user)).setApiKeyId("key-" + key)
                .setFeature(FEATURES[random.nextInt(FEATURES.length)]).setEndpoint("/v1/chat/completions")
                .setProvider(provider(model)).setModel(modelId(model)).setInputTokens(input).setCachedInputTokens(cached)
                .setOutputTokens(output).setReasoningTokens(reasoning).setRequests(1)
                .setCostMicros(random.nextBoolean() ? cost : null)
                .setStatus(random.nextInt(50) == 0 ? UsageStatus.error : UsageStatus.ok).setLatencyMs(150L + random.nextInt(4_000))
                .build();
        return new Call(event, cost);
    }

    /** The price book: one price per model, in force from long before the first event. */
    List<PriceChange> prices() {
        List<PriceChange> book = new ArrayList<>();
        for (int m = 0; m < models; m++) {
            Price price = price(m);
            book.add(PriceChange.newBuilder().setProvider(provider(m)).setModel(modelId(m)).setEffectiveFrom(Instant.parse("2020-01-01T00:00:00Z"))
                    .setCurrency("USD").setInputMicrosPerMtok(price.inputMicrosPerMtok())
                    .setCachedInputMicrosPerMtok(price.cachedInputMicrosPerMtok()).setOutputMicrosPerMtok(price.outputMicrosPerMtok()).build());
        }
        return book;
    }

    /** Per tenant: a monthly tenant budget, a daily budget for each user ({@code *}) and a per-minute request limit per key. */
    List<BudgetPolicy> policies() {
        List<BudgetPolicy> book = new ArrayList<>();
        for (int t = 0; t < tenants; t++) {
            book.addAll(policiesOf(tenantId(t)));
        }
        return book;
    }

    /** One tenant's three policies (see {@link #policies()}). */
    static List<BudgetPolicy> policiesOf(String tenant) {
        return List.of(
                policy(tenant, tenant + "-month", SubjectType.tenant, tenant, Metric.cost_micros, TENANT_MONTH_LIMIT,
                        Period.newBuilder().setKind(PeriodKind.month).setTimeZone("America/New_York").build()),
                policy(tenant, tenant + "-user-day", SubjectType.user, "*", Metric.cost_micros, USER_DAY_LIMIT,
                        Period.newBuilder().setKind(PeriodKind.day).setTimeZone("Europe/Berlin").build()),
                policy(tenant, tenant + "-key-rpm", SubjectType.api_key, "*", Metric.requests, 100_000,
                        Period.newBuilder().setKind(PeriodKind.rolling).setDurationMs(60_000L).build()));
    }

    private static BudgetPolicy policy(String tenant, String id, SubjectType type, String subject, Metric metric, long limit, Period period) {
        return BudgetPolicy.newBuilder().setPolicyId(id).setTenantId(tenant).setSubject(new Subject(type, subject))
                .setFilters(new PolicyFilters(List.of(), List.of(), List.of(), List.of(), List.of())).setMetric(metric).setLimit(limit)
                .setPeriod(period).build();
    }

    static String tenantId(int t) {
        return String.format("tenant-%04d", t);
    }

    static String userId(int u) {
        return String.format("user-%06d", u);
    }

    static String modelId(int m) {
        return "model-" + m;
    }

    static String provider(int m) {
        return PROVIDERS[m % PROVIDERS.length];
    }

    /** Integer prices per million tokens: input 0.10..5.00, cached a quarter of input, output four times input. */
    static Price price(int m) {
        long input = 100_000L + 49_000L * (m % 100);
        return new Price(input, input / 4, input * 4);
    }
}
