package dev.usageledger.schemas.registry;

import java.io.Closeable;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The Confluent Schema Registry REST API, for Avro schemas.
 *
 * <p>Works against any registry that implements that API (Confluent, Redpanda, Karapace,
 * Apicurio's ccompat endpoint, and the ledger's embedded registry). Every method throws
 * {@link SchemaRegistryException} on an error answer or when the registry is unreachable.
 */
public interface SchemaRegistryClient extends Closeable {

    /** Registers {@code schema} under {@code subject} (or finds it registered) and returns its global id. */
    int register(String subject, Schema schema);

    /** Finds {@code schema} among the versions of {@code subject}; 404 when it is not there. */
    RegisteredSchema lookup(String subject, Schema schema);

    /** The schema with global id {@code id}; 404/40403 when there is none. */
    Schema schemaById(int id);

    /** The newest version of {@code subject}. */
    RegisteredSchema latest(String subject);

    /** One numbered version of {@code subject}. */
    RegisteredSchema version(String subject, int version);

    /** The version numbers of {@code subject}, oldest first. */
    List<Integer> versions(String subject);

    /** Every subject the registry holds. */
    List<String> subjects();

    /** Tests {@code schema} against the latest version of {@code subject} under its compatibility level. */
    CompatibilityResult testCompatibility(String subject, Schema schema);

    /** The global compatibility level. */
    CompatibilityLevel globalCompatibility();

    /** The level in force for {@code subject} (its own, else the global one). */
    CompatibilityLevel compatibility(String subject);

    /** Sets the level of {@code subject}, or the global level when {@code subject} is null. */
    void setCompatibility(String subject, CompatibilityLevel level);

    @Override
    void close();
}
