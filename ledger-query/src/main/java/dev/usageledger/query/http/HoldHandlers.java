package dev.usageledger.query.http;

import dev.usageledger.query.api.CheckBody;
import dev.usageledger.query.api.HoldBody;
import dev.usageledger.query.api.Iso;
import dev.usageledger.query.api.Views;
import dev.usageledger.query.holds.JournalUnavailableException;
import dev.usageledger.query.holds.ReservationDesk;
import dev.usageledger.query.state.BookWriter;
import dev.usageledger.query.state.Checks;
import dev.usageledger.query.state.LedgerState;
import dev.usageledger.query.state.TenantStores;
import dev.usageledger.schemas.avro.CallScope;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.HoldEventType;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.HoldStatus;
import dev.usageledger.streams.decision.Estimate;
import dev.usageledger.streams.decision.HoldDecisions;
import dev.usageledger.streams.rules.CallDimensions;
import dev.usageledger.streams.rules.KeyDirectory;
import dev.usageledger.streams.rules.Rating;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code POST /v1/holds}, {@code GET} and {@code DELETE /v1/holds/{id}}. The owner of the tenant's
 * partition decides a hold on its partition's reservation writer ({@link ReservationDesk}), which
 * decides the partition's requests one after another and answers only once the decision is
 * committed to the hold journal, across instances and crashes. A retry with the same hold id gets
 * the first answer. A void goes to the tenant's task, which releases the hold.
 */
final class HoldHandlers {
    private final LedgerState state;
    private final Checks checks;
    private final BookWriter writer;
    private final ReservationDesk desk;
    private final TenantRouter router;
    private final ApiSettings settings;

    HoldHandlers(LedgerState state, Checks checks, BookWriter writer, ReservationDesk desk, TenantRouter router, ApiSettings settings) {
        this.state = state;
        this.checks = checks;
        this.writer = writer;
        this.desk = desk;
        this.router = router;
        this.settings = settings;
    }

    void register(RouteTable routing) {
        routing.post("/v1/holds", this::place)
                .get("/v1/holds/{id}", this::get)
                .delete("/v1/holds/{id}", this::cancel)
                .get("/v1/tenants/{tenant}/holds", this::list);
    }

    private void place(ServerRequest request, ServerResponse response) {
        byte[] body = Exchange.body(request, settings.maxBodyBytes());
        HoldBody hold = Json.read(body, HoldBody.class);
        CheckBody check = hold.check();
        Callers.of(request).requireTenant(check.tenantId());
        Duration ttl = hold.ttlMs() == null ? settings.holdTtl() : Duration.ofMillis(hold.ttlMs());
        if (ttl.compareTo(settings.holdTtlMax()) > 0) {
            throw ApiException.invalid("ttl_ms", "ttl_ms must be at most " + settings.holdTtlMax().toMillis() + ", got " + hold.ttlMs());
        }
        FailOpen.orElse(() -> router.write(request, response, check.tenantId(), body, stores -> {
            HoldState existing = stores.holds().get(check.tenantId(), hold.holdId());
            if (existing != null) {
                return reply(existing);
            }
            Instant now = settings.clock().instant().truncatedTo(ChronoUnit.MILLIS);
            Rating.Rated rated = checks.rate(check, now);
            HoldState decided = decide(stores.partition(), request(check, checks.resolve(check, now), hold.holdId(), rated, now,
                    now.plus(ttl)));
            TenantRouter.Reply reply = reply(decided);
            reply.body().put("unpriced", rated.unpriced());
            return reply;
        }), check, checks, settings.clock().instant(), response);
    }

    private void get(ServerRequest request, ServerResponse response) {
        String id = request.path().pathParameters().get("id");
        String tenant = tenant(request);
        router.answer(request, response, tenant, new byte[0], null, stores -> holdView(find(stores, tenant, id)));
    }

    private void cancel(ServerRequest request, ServerResponse response) {
        String id = request.path().pathParameters().get("id");
        String tenant = tenant(request);
        router.write(request, response, tenant, new byte[0], stores -> {
            HoldState hold = find(stores, tenant, id);
            if (hold.getState() != HoldStatus.placed) {
                throw new ApiException(409, "hold_not_placed", "hold '" + id + "' is " + hold.getState() + "; only a placed hold can be voided",
                        null, null);
            }
            Instant now = settings.clock().instant().truncatedTo(ChronoUnit.MILLIS);
            writer.requestHold(HoldEvent.newBuilder().setHoldId(id).setTenantId(tenant).setType(HoldEventType.void_requested)
                    .setOccurredAt(now).setExpiresAt(hold.getExpiresAt()).setScope(hold.getAnswer().getScope())
                    .setEstimate(hold.getAnswer().getEstimate()).build());
            HoldState ended = await(stores, tenant, id, h -> h.getState() != HoldStatus.placed, "voided");
            return new TenantRouter.Reply(200, holdView(ended));
        });
    }

    /** The tenant's holds, newest decision first, optionally of one state ({@code ?state=placed}: the open ones). */
    private void list(ServerRequest request, ServerResponse response) {
        String tenant = request.path().pathParameters().get("tenant");
        Callers.of(request).requireTenant(tenant);
        HoldStatus status = Exchange.query(request, "state").map(HoldHandlers::status).orElse(null);
        int limit = Exchange.intParam(request, "limit", 100, 1, 1_000);
        router.answer(request, response, tenant, new byte[0], null, stores -> {
            List<HoldState> found = new ArrayList<>(state.holdsOf(stores, tenant));
            if (status != null) {
                found.removeIf(hold -> hold.getState() != status);
            }
            found.sort(Comparator.comparing((HoldState hold) -> hold.getAnswer().getDecidedAt()).reversed()
                    .thenComparing(HoldState::getHoldId));
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("tenant_id", tenant);
            answer.put("holds", found.stream().limit(limit).map(HoldHandlers::holdView).toList());
            answer.put("more", found.size() > limit);
            return answer;
        });
    }

    private static HoldStatus status(String value) {
        for (HoldStatus state : HoldStatus.values()) {
            if (state.name().equals(value)) {
                return state;
            }
        }
        throw ApiException.invalid("state", "state must be one of placed, settled, voided, expired, denied; got '" + value + "'");
    }

    private HoldState decide(int partition, HoldDecisions.Request request) {
        try {
            return desk.place(partition, request, settings.bookWait());
        } catch (JournalUnavailableException e) {
            throw ApiException.unavailable(e.getMessage(), 200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("the service is stopping", 1_000);
        }
    }

    private HoldState await(TenantStores stores, String tenant, String holdId, Predicate<HoldState> done, String what) {
        HoldState[] found = new HoldState[1];
        try {
            boolean decided = state.progress().awaitHold(tenant, holdId, () -> {
                found[0] = stores.holds().get(tenant, holdId);
                return found[0] != null && done.test(found[0]);
            }, settings.bookWait());
            if (!decided) {
                throw ApiException.unavailable("the hold was written but not " + what + " within " + settings.bookWait().toMillis()
                        + " ms; retry with the same hold_id to get its answer", 1_000);
            }
            return found[0];
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("the service is stopping", 1_000);
        }
    }

    private static HoldState find(TenantStores stores, String tenant, String id) {
        HoldState hold = stores.holds().get(tenant, id);
        if (hold == null) {
            throw ApiException.notFound("no hold '" + id + "' for tenant '" + tenant + "'");
        }
        return hold;
    }

    private static String tenant(ServerRequest request) {
        Caller caller = Callers.of(request);
        String tenant = Exchange.query(request, "tenant_id").orElseGet(() -> {
            if (caller.tenants().size() == 1) {
                return caller.tenants().iterator().next();
            }
            throw ApiException.invalid("tenant_id", "name the hold's tenant with ?tenant_id=");
        });
        caller.requireTenant(tenant);
        return tenant;
    }

    /** The hold's request, its user and teams completed from the key directory as it is {@code now}. */
    private static HoldDecisions.Request request(CheckBody check, KeyDirectory.Resolution resolved, String holdId, Rating.Rated rated,
                                                 Instant now, Instant expiresAt) {
        Estimate estimate = check.toEstimate();
        CallDimensions call = resolved.call();
        CallScope scope = CallScope.newBuilder().setUserId(call.user()).setTeamIds(call.teams()).setApiKeyId(call.apiKey())
                .setProvider(call.provider()).setModel(call.model()).setFeature(call.feature()).setEndpoint(call.endpoint())
                .setBillingScope(call.billing()).build();
        return new HoldDecisions.Request(check.tenantId(), holdId, scope, estimate.toRecord(rated.costMicros()), now, expiresAt,
                resolved.keyInactive());
    }

    private static TenantRouter.Reply reply(HoldState hold) {
        Map<String, Object> answer = new LinkedHashMap<>(Views.decision(hold.getAnswer()));
        if (hold.getState() != HoldStatus.denied) {
            answer.put("hold", Map.of("hold_id", hold.getHoldId(), "state", hold.getState().name(),
                    "expires_at", Iso.format(hold.getExpiresAt())));
        }
        return new TenantRouter.Reply(hold.getState() == HoldStatus.denied ? 200 : 201, answer);
    }

    private static Map<String, Object> holdView(HoldState hold) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("hold_id", hold.getHoldId());
        view.put("tenant_id", hold.getTenantId());
        view.put("state", hold.getState().name());
        view.put("expires_at", Iso.format(hold.getExpiresAt()));
        view.put("decided_at", Iso.format(hold.getAnswer().getDecidedAt()));
        view.put("estimate_cost_micros", hold.getAnswer().getEstimate() == null ? null : hold.getAnswer().getEstimate().getCostMicros());
        view.put("scope", Views.scope(hold.getAnswer().getScope()));
        view.put("held", hold.getLines().stream().mapToLong(line -> line.getAmount()).sum());
        view.put("settled_by_event_id", hold.getSettledByEventId());
        view.put("actual_cost_micros", hold.getActualCostMicros());
        view.put("decision", hold.getAnswer().getDecision().name());
        return view;
    }
}
