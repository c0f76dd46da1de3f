package dev.usageledger.producer.enforce;

/**
 * The ledger refused the request itself (4xx): a field is wrong, or the token may not act for the
 * tenant. No fail mode applies — the same request would be refused again — so fix the request
 * or the token.
 */
public final class EnforcementRequestException extends IllegalArgumentException {
    private final int status;
    private final String code;
    private final String field;

    EnforcementRequestException(int status, String code, String field, String message) {
        super("the ledger refused the request (" + status + " " + code + (field == null ? "" : ", field " + field) + "): " + message);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The field the ledger names, or null. */
    public String field() {
        return field;
    }
}
