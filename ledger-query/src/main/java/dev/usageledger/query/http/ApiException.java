package dev.usageledger.query.http;

/**
 * An answer other than success, with its HTTP status and the error envelope's code, message and
 * field. 4xx: the caller must change the request; 503: retry after {@link #retryAfterMs()}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;
    private final Long retryAfterMs;

    public ApiException(int status, String code, String message, String field, Long retryAfterMs) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
        this.retryAfterMs = retryAfterMs;
    }

    public static ApiException invalid(String field, String message) {
        return new ApiException(400, "invalid_field", message, field, null);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message, null, null);
    }

    public static ApiException unavailable(String message, long retryAfterMs) {
        return new ApiException(503, "unavailable", message, null, retryAfterMs);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }

    public Long retryAfterMs() {
        return retryAfterMs;
    }
}
