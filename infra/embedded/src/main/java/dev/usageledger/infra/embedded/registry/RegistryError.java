package dev.usageledger.infra.embedded.registry;

/**
 * An error answer of the registry API: HTTP status plus Confluent's {@code error_code}, rendered
 * as {@code {"error_code": ..., "message": ...}}.
 */
final class RegistryError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final int errorCode;

    private RegistryError(int status, int errorCode, String message) {
        super(message, null, false, false);
        this.status = status;
        this.errorCode = errorCode;
    }

    static RegistryError subjectNotFound(String subject) {
        return new RegistryError(404, 40401, "Subject '" + subject + "' not found.");
    }

    static RegistryError versionNotFound(Object version) {
        return new RegistryError(404, 40402, "Version " + version + " not found.");
    }

    static RegistryError schemaNotFound(String detail) {
        return new RegistryError(404, 40403, "Schema not found" + (detail.isEmpty() ? "" : ": " + detail));
    }

    static RegistryError subjectSoftDeleted(String subject) {
        return new RegistryError(404, 40404, "Subject '" + subject + "' was soft deleted. Set permanent=true to delete permanently");
    }

    static RegistryError subjectNotSoftDeleted(String subject) {
        return new RegistryError(404, 40405, "Subject '" + subject + "' was not deleted first before being permanently deleted");
    }

    static RegistryError versionNotSoftDeleted(String subject, int version) {
        return new RegistryError(404, 40407, "Subject '" + subject + "' Version " + version
                + " was not deleted first before being permanently deleted");
    }

    static RegistryError compatibilityNotConfigured(String subject) {
        return new RegistryError(404, 40408, "Subject '" + subject + "' does not have subject-level compatibility configured");
    }

    static RegistryError incompatible(String message) {
        return new RegistryError(409, 409, "Schema being registered is incompatible with an earlier schema for subject; " + message);
    }

    static RegistryError invalidSchema(String message) {
        return new RegistryError(422, 42201, "Invalid schema: " + message);
    }

    static RegistryError invalidVersion(String version) {
        return new RegistryError(422, 42202, "The specified version '" + version
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    static RegistryError invalidCompatibilityLevel(String level) {
        return new RegistryError(422, 42203, "Invalid compatibility level. Valid values are none, backward, forward, "
                + "full, backward_transitive, forward_transitive, and full_transitive; got '" + level + "'");
    }

    static RegistryError unsupported(String message) {
        return new RegistryError(422, 42205, message);
    }

    static RegistryError badRequest(String message) {
        return new RegistryError(400, 400, message);
    }

    static RegistryError notFound(String path) {
        return new RegistryError(404, 404, "HTTP 404 Not Found: " + path);
    }

    static RegistryError methodNotAllowed(String method, String path) {
        return new RegistryError(405, 405, "HTTP 405 Method Not Allowed: " + method + " " + path);
    }

    static RegistryError storeTimeout(String message) {
        return new RegistryError(500, 50002, message);
    }

    static RegistryError storeError(String message) {
        return new RegistryError(500, 50001, message);
    }
}
