package dev.usageledger.infra.embedded.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP calls to a registry, as any Confluent-API client makes them. */
final class RegistryCalls {
    record Answer(int status, JsonNode body) {
        int errorCode() {
            return body.path("error_code").asInt();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String url;

    RegistryCalls(String url) {
        this.url = url;
    }

    Answer get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url + path)).GET());
    }

    Answer delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(url + path)).DELETE());
    }

    Answer post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(url + path)).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Answer put(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(url + path)).PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Registers {@code schema} (Avro JSON) under {@code subject}. */
    Answer register(String subject, String schema) {
        return post("/subjects/" + subject + "/versions", schemaBody(schema));
    }

    static String schemaBody(String schema) {
        return JSON.createObjectNode().put("schema", schema).toString();
    }

    private Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
