package dev.usageledger.cli.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A stand-in for the ledger service in front of the real one: it passes every answer through,
 * except that the first usage answer for one scope says one micro-unit more than the ledger.
 */
final class OffByOne implements AutoCloseable {
    private final HttpServer server;

    private OffByOne(HttpServer server) {
        this.server = server;
    }

    static OffByOne start(URI ledger, String scopeQuery) throws IOException {
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        AtomicBoolean altered = new AtomicBoolean();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try {
                HttpRequest.Builder forward = HttpRequest.newBuilder(ledger.resolve(exchange.getRequestURI().toString()));
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                if (auth != null) {
                    forward.header("Authorization", auth);
                }
                HttpResponse<String> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofString());
                String body = answer.body();
                if (answer.statusCode() == 200 && exchange.getRequestURI().getRawQuery().contains("scope=" + scopeQuery)
                        && altered.compareAndSet(false, true)) {
                    ObjectNode node = (ObjectNode) json.readTree(body);
                    node.put("cost_micros", node.get("cost_micros").asLong() + 1);
                    body = json.writeValueAsString(node);
                }
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(answer.statusCode(), bytes.length);
                exchange.getResponseBody().write(bytes);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(503, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
        return new OffByOne(server);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
