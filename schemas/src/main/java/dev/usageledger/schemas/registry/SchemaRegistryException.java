package dev.usageledger.schemas.registry;

import org.apache.kafka.common.KafkaException;

/**
 * The schema registry answered with an error, or could not be reached.
 *
 * <p>{@link #status()} and {@link #errorCode()} carry the registry's HTTP status and Confluent
 * {@code error_code} (for example 404/40401 "subject not found", 409/40901 "incompatible
 * schema"); both are {@code -1} when no answer came back. Retry only when {@link #isRetriable()}
 * says so: the client has already retried transient failures up to its configured bound.
 */
public class SchemaRegistryException extends KafkaException {
    private static final long serialVersionUID = 1L;

    /** Confluent error code: subject not found. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Confluent error code: version not found. */
    public static final int VERSION_NOT_FOUND = 40402;
    /** Confluent error code: schema not found. */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** Confluent error code: subject compatibility level not configured. */
    public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
    /** Confluent error code: incompatible schema (older servers answered 409). */
    public static final int INCOMPATIBLE_SCHEMA = 40901;
    /** Confluent error code: invalid schema. */
    public static final int INVALID_SCHEMA = 42201;
    /** Confluent error code: invalid version. */
    public static final int INVALID_VERSION = 42202;
    /** Confluent error code: invalid compatibility level. */
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;

    private final String url;
    private final int status;
    private final int errorCode;

    /** An error answer from the registry at {@code url}. */
    public SchemaRegistryException(String url, int status, int errorCode, String message) {
        super(message + " (registry " + url + ", HTTP " + status + ", error_code " + errorCode + ")");
        this.url = url;
        this.status = status;
        this.errorCode = errorCode;
    }

    /** No answer from the registry at {@code url}. */
    public SchemaRegistryException(String url, String message, Throwable cause) {
        super(message, cause);
        this.url = url;
        this.status = -1;
        this.errorCode = -1;
    }

    /** The registry URL the failed request went to. */
    public String url() {
        return url;
    }

    /** The HTTP status, or -1 when the registry did not answer. */
    public int status() {
        return status;
    }

    /** The Confluent {@code error_code}, or -1 when the registry did not answer. */
    public int errorCode() {
        return errorCode;
    }

    /** Whether the registry answered that the schema is incompatible (HTTP 409). */
    public boolean isIncompatible() {
        return status == 409;
    }

    /** Whether the requested subject, version or schema does not exist (HTTP 404). */
    public boolean isNotFound() {
        return status == 404;
    }

    /**
     * Whether trying again later may succeed: the registry was unreachable or answered a 5xx.
     * A 4xx never succeeds on retry; fix the request instead.
     */
    public boolean isRetriable() {
        return status == -1 || status >= 500;
    }
}
