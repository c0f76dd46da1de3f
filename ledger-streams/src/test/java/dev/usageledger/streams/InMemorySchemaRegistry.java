package dev.usageledger.streams;

import dev.usageledger.schemas.registry.CompatibilityLevel;
import dev.usageledger.schemas.registry.CompatibilityResult;
import dev.usageledger.schemas.registry.RegisteredSchema;
import dev.usageledger.schemas.registry.SchemaRegistryClient;
import dev.usageledger.schemas.registry.SchemaRegistryException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A registry held in memory, for TopologyTestDriver tests that have no broker to keep a real
 * one on. Ids and "not found" behave as the real registry's; compatibility is not checked here
 * (the embedded registry's own tests cover it).
 */
final class InMemorySchemaRegistry implements SchemaRegistryClient {
    private final Map<Integer, Schema> byId = new HashMap<>();
    private final Map<String, List<Integer>> subjects = new HashMap<>();

    @Override
    public synchronized int register(String subject, Schema schema) {
        int id = byId.entrySet().stream().filter(e -> e.getValue().equals(schema)).map(Map.Entry::getKey).findFirst()
                .orElseGet(() -> {
                    int next = byId.size() + 1;
                    byId.put(next, schema);
                    return next;
                });
        List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    @Override
    public synchronized RegisteredSchema lookup(String subject, Schema schema) {
        List<Integer> versions = subjects.getOrDefault(subject, List.of());
        for (int i = 0; i < versions.size(); i++) {
            if (byId.get(versions.get(i)).equals(schema)) {
                return new RegisteredSchema(subject, i + 1, versions.get(i), schema);
            }
        }
        throw new SchemaRegistryException("memory", 404, SchemaRegistryException.SCHEMA_NOT_FOUND, "schema not found");
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = byId.get(id);
        if (schema == null) {
            throw new SchemaRegistryException("memory", 404, SchemaRegistryException.SCHEMA_NOT_FOUND, "no schema " + id);
        }
        return schema;
    }

    @Override
    public synchronized RegisteredSchema latest(String subject) {
        List<Integer> versions = subjects.get(subject);
        if (versions == null) {
            throw new SchemaRegistryException("memory", 404, SchemaRegistryException.SUBJECT_NOT_FOUND, "no subject " + subject);
        }
        return new RegisteredSchema(subject, versions.size(), versions.getLast(), byId.get(versions.getLast()));
    }

    @Override
    public RegisteredSchema version(String subject, int version) {
        throw new UnsupportedOperationException("not needed by the topology tests");
    }

    @Override
    public List<Integer> versions(String subject) {
        throw new UnsupportedOperationException("not needed by the topology tests");
    }

    @Override
    public List<String> subjects() {
        return List.copyOf(subjects.keySet());
    }

    @Override
    public CompatibilityResult testCompatibility(String subject, Schema schema) {
        throw new UnsupportedOperationException("not needed by the topology tests");
    }

    @Override
    public CompatibilityLevel globalCompatibility() {
        return CompatibilityLevel.BACKWARD;
    }

    @Override
    public CompatibilityLevel compatibility(String subject) {
        return CompatibilityLevel.BACKWARD;
    }

    @Override
    public void setCompatibility(String subject, CompatibilityLevel level) {
        throw new UnsupportedOperationException("not needed by the topology tests");
    }

    @Override
    public void close() {
        // nothing held
    }
}
