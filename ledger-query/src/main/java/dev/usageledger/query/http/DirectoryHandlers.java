package dev.usageledger.query.http;

import dev.usageledger.query.api.DirectoryBody;
import dev.usageledger.query.api.Iso;
import dev.usageledger.query.api.Views;
import dev.usageledger.query.state.BookWriter;
import dev.usageledger.query.state.LedgerState;
import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.DirectoryKind;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A tenant's key directory: {@code /v1/tenants/{t}/keys/{key}} (who an API key belongs to, and
 * whether it is active) and {@code /v1/tenants/{t}/users/{user}} (which teams a user is in). Each
 * write is a new version on the compacted directory topic, in force from its
 * {@code effective_from}; earlier versions stay, so usage is resolved with the directory as it
 * was when each call was made. A tenant's token manages its own directory. Answered once the
 * write is acknowledged: 200 when this instance's directory already holds it, else 202.
 */
final class DirectoryHandlers {
    private final LedgerState state;
    private final BookWriter writer;
    private final ApiSettings settings;

    DirectoryHandlers(LedgerState state, BookWriter writer, ApiSettings settings) {
        this.state = state;
        this.writer = writer;
        this.settings = settings;
    }

    void register(RouteTable routing) {
        for (DirectoryKind kind : DirectoryKind.values()) {
            String path = "/v1/tenants/{tenant}/" + segment(kind);
            routing.put(path + "/{id}", (request, response) -> put(kind, request, response))
                    .get(path + "/{id}", (request, response) -> get(kind, request, response))
                    .delete(path + "/{id}", (request, response) -> delete(kind, request, response))
                    .get(path, (request, response) -> list(kind, request, response));
        }
    }

    private void put(DirectoryKind kind, ServerRequest request, ServerResponse response) {
        String tenant = tenant(request);
        String id = request.path().pathParameters().get("id");
        DirectoryBody body = Json.read(Exchange.body(request, settings.maxBodyBytes()), DirectoryBody.class);
        Instant now = now();
        DirectoryEntry entry = kind == DirectoryKind.api_key ? body.toKeyEntry(tenant, id, now) : body.toUserEntry(tenant, id, now);
        write(entry, response);
    }

    private void get(DirectoryKind kind, ServerRequest request, ServerResponse response) {
        String tenant = tenant(request);
        String id = request.path().pathParameters().get("id");
        Instant at = Exchange.instant(request, "at").orElseGet(this::now);
        DirectoryEntry entry = state.keyDirectory().inForce(tenant, kind, id, at);
        List<DirectoryEntry> history = state.directory().history(tenant, kind, id);
        if (entry == null) {
            throw ApiException.notFound("tenant '" + tenant + "' has no " + noun(kind) + " '" + id + "' in its directory at " + at
                    + (history.isEmpty() ? "" : " (it has " + history.size() + " earlier or later versions)"));
        }
        Map<String, Object> view = Views.directoryEntry(entry);
        view.put("history", history.stream().map(Views::directoryEntry).toList());
        Exchange.send(response, 200, view);
    }

    private void delete(DirectoryKind kind, ServerRequest request, ServerResponse response) {
        String tenant = tenant(request);
        String id = request.path().pathParameters().get("id");
        Instant now = now();
        DirectoryEntry removal = DirectoryBody.removal(tenant, kind, id, Exchange.query(request, "effective_from").orElse(null), now);
        if (state.keyDirectory().inForce(tenant, kind, id, removal.getEffectiveFrom()) == null) {
            throw ApiException.notFound("tenant '" + tenant + "' has no " + noun(kind) + " '" + id + "' in its directory at "
                    + removal.getEffectiveFrom());
        }
        write(removal, response);
    }

    private void list(DirectoryKind kind, ServerRequest request, ServerResponse response) {
        String tenant = tenant(request);
        Instant at = Exchange.instant(request, "at").orElseGet(this::now);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("tenant_id", tenant);
        answer.put("at", Iso.format(at));
        answer.put(segment(kind), state.directory().entriesOf(tenant, kind, at).values().stream().map(Views::directoryEntry).toList());
        Exchange.send(response, 200, answer);
    }

    private void write(DirectoryEntry entry, ServerResponse response) {
        writer.putDirectoryEntry(entry);
        boolean applied = awaitDirectory(entry);
        Exchange.send(response, applied ? 200 : 202, Views.directoryEntry(entry));
    }

    /** Whether this instance's directory holds the version within the book wait. */
    private boolean awaitDirectory(DirectoryEntry entry) {
        try {
            return state.progress().awaitBooks(() -> state.directory().history(entry.getTenantId(), entry.getKind(), entry.getId())
                    .stream().anyMatch(version -> Objects.equals(version, entry)), settings.bookWait());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Instant now() {
        return settings.clock().instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static String tenant(ServerRequest request) {
        String tenant = request.path().pathParameters().get("tenant");
        Callers.of(request).requireTenant(tenant);
        return tenant;
    }

    private static String segment(DirectoryKind kind) {
        return kind == DirectoryKind.api_key ? "keys" : "users";
    }

    private static String noun(DirectoryKind kind) {
        return kind == DirectoryKind.api_key ? "key" : "user";
    }
}
