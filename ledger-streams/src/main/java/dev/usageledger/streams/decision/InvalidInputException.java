package dev.usageledger.streams.decision;

/**
 * A request field that breaks a rule. Not retryable: the caller must change the field. The HTTP
 * layer answers 400 naming {@link #field()}.
 */
public final class InvalidInputException extends RuntimeException {
    private final String field;

    public InvalidInputException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
