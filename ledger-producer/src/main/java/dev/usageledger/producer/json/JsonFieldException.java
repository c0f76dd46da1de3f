package dev.usageledger.producer.json;

/** A usage event's JSON is wrong in one field (or is not a JSON object at all: no field). */
public final class JsonFieldException extends IllegalArgumentException {
    private final String field;

    JsonFieldException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The field that is wrong, e.g. {@code output_tokens} or {@code attributes.region}; null when the whole value is. */
    public String field() {
        return field;
    }
}
