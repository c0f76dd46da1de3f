package dev.usageledger.schemas.registry;

import java.util.Locale;

/** The compatibility levels of the Confluent Schema Registry API. */
public enum CompatibilityLevel {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    /** Parses a level as the registry spells it, ignoring case. */
    public static CompatibilityLevel parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown compatibility level '" + text
                    + "'; expected one of NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, "
                    + "FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE", e);
        }
    }
}
