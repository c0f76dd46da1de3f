package dev.usageledger.query.http;

import dev.usageledger.query.api.Iso;
import dev.usageledger.query.state.LedgerState;
import dev.usageledger.query.state.Progress;
import dev.usageledger.query.state.ReportState;
import dev.usageledger.query.state.Route;
import dev.usageledger.query.state.TenantStores;
import dev.usageledger.streams.state.ReportStore;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Answers a tenant's request where its state is: here when this instance owns the tenant's
 * partition, else forwarded once to the owner; from a local standby ({@code stale: true}) when
 * the owner cannot answer; else 503 with a retry hint. Local answers carry {@code as_of}.
 */
final class TenantRouter {
    private static final long RETRY_AFTER_MS = 1_000;

    private final LedgerState state;
    private final ReportState reports;
    private final Forwarder forwarder;
    private final Duration readWait;

    TenantRouter(LedgerState state, ReportState reports, Forwarder forwarder, Duration readWait) {
        this.state = state;
        this.reports = reports;
        this.forwarder = forwarder;
        this.readWait = readWait;
    }

    /** An answer's status and body. */
    record Reply(int status, Map<String, Object> body) {
    }

    /**
     * @param minOffset the caller's own write (from a publish receipt) that the answer must include, or null
     * @param read      builds the answer from the partition's stores
     */
    void answer(ServerRequest request, ServerResponse response, String tenant, byte[] body, Long minOffset,
                Function<TenantStores, Map<String, Object>> read) {
        route(request, response, tenant, body, minOffset, false, stores -> new Reply(200, read.apply(stores)));
    }

    /** Answers a request that changes the tenant's state: only the owner may, never a standby. */
    void write(ServerRequest request, ServerResponse response, String tenant, byte[] body, Function<TenantStores, Reply> change) {
        route(request, response, tenant, body, null, true, change);
    }

    /**
     * Answers a report (usage, breakdown, trends) where the tenant's report rows are: the owner of
     * its partition of the reporting part, which need not be the instance that enforces for it.
     */
    void report(ServerRequest request, ServerResponse response, String tenant, Long minOffset,
                Function<ReportStore, Map<String, Object>> read) {
        dispatch(request, response, tenant, new byte[0], false, reports.route(tenant, Forwarder.wasForwarded(request)),
                (partition, stale) -> answerReport(response, partition, stale, minOffset, read));
    }

    private void route(ServerRequest request, ServerResponse response, String tenant, byte[] body, Long minOffset, boolean write,
                       Function<TenantStores, Reply> read) {
        dispatch(request, response, tenant, body, write, state.route(tenant, Forwarder.wasForwarded(request)),
                (partition, stale) -> answerLocally(response, partition, stale, minOffset, read));
    }

    /** Answers here from a partition, active or ({@code stale}) a standby copy. */
    private interface LocalAnswer {
        void answer(int partition, boolean stale);
    }

    private void dispatch(ServerRequest request, ServerResponse response, String tenant, byte[] body, boolean write, Route route,
                          LocalAnswer local) {
        switch (route) {
            case Route.Local here when write && here.stale() -> throw ApiException.unavailable(
                    "the owner of tenant " + tenant + " cannot be reached and a standby does not take writes; retry shortly", RETRY_AFTER_MS);
            case Route.Local here -> local.answer(here.partition(), here.stale());
            case Route.Remote remote -> {
                Optional<HttpResponse<byte[]>> relayed = forwarder.forward(request, body, remote.owner());
                if (relayed.isPresent()) {
                    relay(response, relayed.get());
                } else if (remote.standbyHere() && !write) {
                    local.answer(remote.partition(), true);
                } else {
                    throw ApiException.unavailable("the instance owning tenant " + tenant + " (" + remote.owner()
                            + ") does not answer and no standby is here; retry shortly", RETRY_AFTER_MS);
                }
            }
            case Route.Unavailable unavailable -> throw ApiException.unavailable(unavailable.reason(), RETRY_AFTER_MS);
        }
    }

    /**
     * A report from the local report rows. Its {@code as_of} is the reporting part's (the usage
     * offset of the last counted event in the rows); {@code behind_events} says how many counted
     * events of the partition the rows do not include yet.
     */
    private void answerReport(ServerResponse response, int partition, boolean stale, Long minOffset,
                              Function<ReportStore, Map<String, Object>> read) {
        if (minOffset != null) {
            awaitOffset(reports.progress(), partition, minOffset);
        }
        Map<String, Object> answer = new LinkedHashMap<>(read.apply(reports.reports(partition, stale)));
        Progress.Applied applied = reports.progress().applied(partition);
        Map<String, Object> asOf = asOf(applied);
        long behind = reports.behind(partition);
        if (behind >= 0) {
            asOf.put("behind_events", behind);
        }
        answer.put("as_of", asOf);
        if (stale) {
            answer.put("stale", true);
        }
        Exchange.send(response, 200, answer);
    }

    private void answerLocally(ServerResponse response, int partition, boolean stale, Long minOffset,
                               Function<TenantStores, Reply> read) {
        if (!stale) {
            awaitJournal(partition);
        }
        if (minOffset != null) {
            awaitOffset(state.progress(), partition, minOffset);
        }
        Reply reply = read.apply(state.stores(partition, stale));
        Map<String, Object> answer = new LinkedHashMap<>(reply.body());
        answer.put("as_of", asOf(state.progress().applied(partition)));
        if (stale) {
            answer.put("stale", true);
        }
        Exchange.send(response, reply.status(), answer);
    }

    /** A partition that just moved here answers once the answers its previous owner gave are in its stores. */
    private void awaitJournal(int partition) {
        try {
            if (!state.awaitJournal(partition, readWait)) {
                throw ApiException.unavailable("partition " + partition + " moved here and is applying the holds its previous owner"
                        + " decided; retry shortly", RETRY_AFTER_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("the service is stopping", RETRY_AFTER_MS);
        }
    }

    private void awaitOffset(Progress progress, int partition, long minOffset) {
        try {
            if (!progress.awaitOffset(partition, minOffset, readWait)) {
                Progress.Applied applied = progress.applied(partition);
                throw new ApiException(503, "not_yet_applied", "partition " + partition + " has applied offsets up to "
                        + applied.offset() + "; min_offset " + minOffset + " was not reached within " + readWait.toMillis()
                        + " ms", "min_offset", RETRY_AFTER_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("the service is stopping", RETRY_AFTER_MS);
        }
    }

    private static Map<String, Object> asOf(Progress.Applied applied) {
        Map<String, Object> asOf = new LinkedHashMap<>();
        asOf.put("event_time", applied.eventTimeMs() < 0 ? null : Iso.format(applied.eventTimeMs()));
        asOf.put("partition", applied.partition());
        asOf.put("offset", applied.offset() < 0 ? null : applied.offset());
        return asOf;
    }

    private static void relay(ServerResponse response, HttpResponse<byte[]> relayed) {
        response.status(io.helidon.http.Status.create(relayed.statusCode()));
        response.header(HeaderNames.CONTENT_TYPE, relayed.headers().firstValue("Content-Type").orElse("application/json"));
        relayed.headers().firstValue("Retry-After").ifPresent(value -> response.header(HeaderNames.RETRY_AFTER, value));
        response.send(relayed.body());
    }
}
