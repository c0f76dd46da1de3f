package dev.usageledger.query.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;
import java.util.Set;

/**
 * The authentication filter: every path but the operational ones needs a bearer token; the
 * caller it speaks for travels in the request context to the handlers, which check tenancy.
 */
final class Callers implements Filter {
    private static final Set<String> OPEN = Set.of("/health", "/ready", "/metrics", "/openapi.yaml");

    private final Auth auth;

    Callers(Auth auth) {
        this.auth = auth;
    }

    static Caller of(ServerRequest request) {
        return request.context().get(Caller.class)
                .orElseThrow(() -> new ApiException(401, "unauthorized", "a bearer token is required", null, null));
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        if (OPEN.contains(request.path().path()) || UiHandlers.PATHS.contains(request.path().path())) {
            chain.proceed();
            return;
        }
        Optional<Caller> caller = auth.authenticate(request.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
        if (caller.isEmpty()) {
            response.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
            Exchange.sendError(response, new ApiException(401, "unauthorized",
                    "a valid bearer token is required: send 'Authorization: Bearer <token>'", null, null));
            return;
        }
        request.context().register(caller.get());
        chain.proceed();
    }
}
