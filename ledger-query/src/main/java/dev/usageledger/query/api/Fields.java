package dev.usageledger.query.api;

import dev.usageledger.streams.decision.InvalidInputException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

/** Field rules shared by the request bodies; each failure names the field and the value. */
final class Fields {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");

    private Fields() {
    }

    static void requireText(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidInputException(field, field + " is required");
        }
    }

    static void requireId(String field, String value) {
        requireText(field, value);
        if (!ID.matcher(value).matches()) {
            throw new InvalidInputException(field, field + " must be 1 to 128 letters, digits or . _ : @ -, got '" + value + "'");
        }
    }

    static long requireNonNegative(String field, Long value) {
        if (value == null) {
            throw new InvalidInputException(field, field + " is required");
        }
        if (value < 0) {
            throw new InvalidInputException(field, field + " must be >= 0, got " + value);
        }
        return value;
    }

    static Instant instant(String field, String value) {
        requireText(field, value);
        try {
            Instant instant = Instant.parse(value);
            if (!instant.truncatedTo(ChronoUnit.MILLIS).equals(instant)) {
                throw new InvalidInputException(field, field + " must be whole milliseconds, got '" + value + "'");
            }
            return instant;
        } catch (DateTimeParseException e) {
            throw new InvalidInputException(field, field + " must be an ISO-8601 instant such as 2026-11-01T00:00:00Z, got '"
                    + value + "'");
        }
    }
}
