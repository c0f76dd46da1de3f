package dev.usageledger.query.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a request on, once, to the instance that owns its tenant, with the caller's token and a
 * header that stops the owner from forwarding it again. An owner that cannot be reached gives
 * an empty answer, so the caller can fall back to a standby or a 503.
 */
final class Forwarder {
    static final String FORWARDED_HEADER = "Ledger-Forwarded";
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    private final HttpClient client;
    private final Duration timeout;

    Forwarder(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    static boolean wasForwarded(ServerRequest request) {
        return request.headers().contains(HeaderNames.create(FORWARDED_HEADER));
    }

    Optional<HttpResponse<byte[]>> forward(ServerRequest request, byte[] body, HostInfo owner) {
        String query = request.query().rawValue();
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + request.path().rawPath()
                + (query.isEmpty() ? "" : "?" + query));
        HttpRequest.Builder forwarded = HttpRequest.newBuilder(uri).timeout(timeout).header(FORWARDED_HEADER, "1")
                .method(request.prologue().method().text(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        request.headers().first(HeaderNames.AUTHORIZATION).ifPresent(token -> forwarded.header("Authorization", token));
        request.headers().first(HeaderNames.CONTENT_TYPE).ifPresent(type -> forwarded.header("Content-Type", type));
        try {
            return Optional.of(client.send(forwarded.build(), HttpResponse.BodyHandlers.ofByteArray()));
        } catch (IOException e) {
            LOG.warn("the owner {} of a request for {} did not answer: {}", owner, uri.getPath(), e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
