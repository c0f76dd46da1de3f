package dev.usageledger.infra.embedded.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * The registry's compatibility levels, checked with Avro's own reader/writer resolution rules
 * ({@link SchemaCompatibility}), with the same meaning as Confluent's: BACKWARD means the new
 * schema can read data written with the previous one, FORWARD that the previous can read the
 * new, FULL both; the transitive levels check every earlier version, the others only the latest.
 */
enum Compatibility {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    static Compatibility parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw RegistryError.invalidCompatibilityLevel(text);
        }
    }

    boolean transitive() {
        return name().endsWith("_TRANSITIVE");
    }

    /**
     * Why {@code candidate} is incompatible with {@code previous} (newest first), as messages;
     * empty when compatible.
     */
    List<String> problems(Schema candidate, List<Schema> previous) {
        List<String> problems = new ArrayList<>();
        if (this == NONE) {
            return problems;
        }
        List<Schema> against = transitive() ? previous : previous.stream().limit(1).toList();
        for (Schema old : against) {
            if (this != FORWARD && this != FORWARD_TRANSITIVE) {
                describe(candidate, old, "new schema cannot read data written with an earlier one", problems);
            }
            if (this != BACKWARD && this != BACKWARD_TRANSITIVE) {
                describe(old, candidate, "an earlier schema cannot read data written with the new one", problems);
            }
        }
        return problems;
    }

    private static void describe(Schema reader, Schema writer, String direction, List<String> problems) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
            problems.add(direction + ": {errorType:'" + incompatibility.getType() + "', description:'"
                    + incompatibility.getMessage() + "', location:'" + incompatibility.getLocation() + "'}");
        }
    }
}
