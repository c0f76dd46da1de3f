package dev.usageledger.infra.embedded.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the registry knows, rebuilt by replaying the {@code _schemas} topic: the versions of each
 * subject, the schema text of each global id, and the compatibility configuration. Only the log
 * reader changes it; readers see it under its monitor.
 */
final class RegistryState {
    /** One version of a subject, as kept in the log. */
    record Version(String subject, int version, int id, String schema, boolean deleted) {
    }

    private final Map<String, TreeMap<Integer, Version>> subjects = new HashMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<String, Compatibility> subjectLevels = new HashMap<>();
    private Compatibility globalLevel;
    private int maxId;

    RegistryState(Compatibility defaultLevel) {
        this.globalLevel = defaultLevel;
    }

    synchronized void putVersion(Version version) {
        subjects.computeIfAbsent(version.subject(), s -> new TreeMap<>()).put(version.version(), version);
        schemasById.putIfAbsent(version.id(), version.schema());
        idsBySchema.putIfAbsent(version.schema(), version.id());
        maxId = Math.max(maxId, version.id());
    }

    synchronized void removeVersion(String subject, int version) {
        TreeMap<Integer, Version> versions = subjects.get(subject);
        if (versions != null) {
            versions.remove(version);
            if (versions.isEmpty()) {
                subjects.remove(subject);
            }
        }
    }

    synchronized void putConfig(String subject, Compatibility level) {
        if (subject == null) {
            globalLevel = level;
        } else if (level == null) {
            subjectLevels.remove(subject);
        } else {
            subjectLevels.put(subject, level);
        }
    }

    /** The versions of {@code subject}, oldest first, with or without soft-deleted ones. */
    synchronized List<Version> versions(String subject, boolean includeDeleted) {
        TreeMap<Integer, Version> versions = subjects.get(subject);
        if (versions == null) {
            return List.of();
        }
        return versions.values().stream().filter(v -> includeDeleted || !v.deleted()).toList();
    }

    /** Subject names with at least one live version (or any version when {@code includeDeleted}). */
    synchronized List<String> subjects(boolean includeDeleted) {
        return subjects.keySet().stream().filter(s -> !versions(s, includeDeleted).isEmpty()).sorted().toList();
    }

    synchronized Optional<String> schemaById(int id) {
        return Optional.ofNullable(schemasById.get(id));
    }

    synchronized Optional<Integer> idOf(String canonicalSchema) {
        return Optional.ofNullable(idsBySchema.get(canonicalSchema));
    }

    /** Every (subject, version) that holds schema {@code id}. */
    synchronized List<Version> versionsWithId(int id) {
        List<Version> found = new ArrayList<>();
        subjects.values().forEach(vs -> vs.values().stream().filter(v -> v.id() == id && !v.deleted()).forEach(found::add));
        return found;
    }

    synchronized int nextId() {
        return maxId + 1;
    }

    /** The highest version number ever used in {@code subject}, deleted ones included; 0 if none. */
    synchronized int lastVersionNumber(String subject) {
        TreeMap<Integer, Version> versions = subjects.get(subject);
        return versions == null || versions.isEmpty() ? 0 : versions.lastKey();
    }

    synchronized Compatibility globalLevel() {
        return globalLevel;
    }

    synchronized Optional<Compatibility> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    synchronized Compatibility effectiveLevel(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }
}
