package dev.usageledger.schemas.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;

/**
 * The form of a generated class's schema that goes to the registry: without the
 * {@code avro.java.string} hints the Java code generator adds, so the registered text (and with
 * it the global id) is the same as for the {@code .avsc} file registered by any other client.
 */
public final class RegistrySchemas {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RegistrySchemas() {
    }

    /** {@code schema} without Java-specific properties. */
    public static Schema portable(Schema schema) {
        try {
            JsonNode tree = JSON.readTree(schema.toString());
            strip(tree);
            return new Schema.Parser().parse(JSON.writeValueAsString(tree));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.remove("avro.java.string");
        }
        node.forEach(RegistrySchemas::strip);
    }
}
