package dev.usageledger.query.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/** Reading requests and writing answers: bounded bodies, query parameters that name themselves when wrong, JSON out. */
final class Exchange {
    private Exchange() {
    }

    /** The body, refused with 413 past {@code maxBytes} (whether or not a length was declared). */
    static byte[] body(ServerRequest request, int maxBytes) {
        long declared = request.headers().contentLength().orElse(-1);
        if (declared > maxBytes) {
            throw tooLarge(maxBytes);
        }
        if (!request.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = request.content().inputStream()) {
            if (declared >= 0) { // the usual case: read exactly what was declared, into an array of that size
                byte[] bytes = in.readNBytes((int) declared);
                if (in.read() != -1) {
                    throw tooLarge(maxBytes);
                }
                return bytes;
            }
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw tooLarge(maxBytes);
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Optional<String> query(ServerRequest request, String name) {
        return request.query().first(name).asOptional();
    }

    static Optional<Instant> instant(ServerRequest request, String name) {
        return query(request, name).map(value -> {
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException e) {
                throw ApiException.invalid(name, name + " must be an ISO-8601 instant such as 2026-11-20T12:00:00Z, got '" + value + "'");
            }
        });
    }

    static int intParam(ServerRequest request, String name, int fallback, int min, int max) {
        Optional<String> value = query(request, name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.get());
            if (parsed < min || parsed > max) {
                throw ApiException.invalid(name, name + " must be " + min + ".." + max + ", got " + parsed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw ApiException.invalid(name, name + " must be a whole number, got '" + value.get() + "'");
        }
    }

    static void send(ServerResponse response, int status, Object body) {
        response.status(Status.create(status));
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        response.send(Json.write(body));
    }

    static void sendError(ServerResponse response, ApiException error) {
        Map<String, Object> envelope = new java.util.LinkedHashMap<>();
        Map<String, Object> detail = new java.util.LinkedHashMap<>();
        detail.put("code", error.code());
        detail.put("message", error.getMessage());
        detail.put("field", error.field());
        envelope.put("error", detail);
        if (error.retryAfterMs() != null) {
            envelope.put("retry_after_ms", error.retryAfterMs());
            response.header(HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, Math.ceilDiv(error.retryAfterMs(), 1000))));
        }
        send(response, error.status(), envelope);
    }

    private static ApiException tooLarge(int maxBytes) {
        return new ApiException(413, "body_too_large", "the body is larger than " + maxBytes + " bytes", null, null);
    }
}
