package dev.usageledger.query.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * The dashboard at {@code /ui}: three static files, read once from the classpath. They carry no
 * data and need no token; the page asks the public API for every figure with the token the user
 * signs in with, which it keeps in the tab's session storage. The policy below lets the page talk
 * to this service only: no other origin, no inline script, no framing.
 */
final class UiHandlers {
    /** The paths served without a token (the page's own files). */
    static final Set<String> PATHS = Set.of("/ui", "/ui/", "/ui/app.js", "/ui/app.css");

    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private final byte[] page = resource("index.html");
    private final byte[] script = resource("app.js");
    private final byte[] styles = resource("app.css");

    void register(RouteTable routing) {
        routing.get("/ui", (request, response) -> send(response, "text/html; charset=utf-8", page))
                .get("/ui/", (request, response) -> send(response, "text/html; charset=utf-8", page))
                .get("/ui/app.js", (request, response) -> send(response, "text/javascript; charset=utf-8", script))
                .get("/ui/app.css", (request, response) -> send(response, "text/css; charset=utf-8", styles));
    }

    private static void send(ServerResponse response, String type, byte[] body) {
        response.header(HeaderNames.CONTENT_TYPE, type);
        response.header(HeaderNames.create("Content-Security-Policy"), POLICY);
        response.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
        response.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
        response.send(body);
    }

    private static byte[] resource(String name) {
        try (InputStream in = UiHandlers.class.getResourceAsStream("/ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard's file ui/" + name + " is missing from the service's jar; rebuild it");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
