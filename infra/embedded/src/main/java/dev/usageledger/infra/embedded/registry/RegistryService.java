package dev.usageledger.infra.embedded.registry;

import dev.usageledger.infra.embedded.registry.RegistryState.Version;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * The registry's operations with Confluent's semantics: global ids (the same schema text gets
 * the same id in every subject), versions per subject, compatibility checked before a new
 * version is written, soft then permanent deletes. Writes are serialized; reads are not.
 */
final class RegistryService {
    private final RegistryState state;
    private final SchemaLog log;
    private final Object writeLock = new Object();

    RegistryService(RegistryState state, SchemaLog log) {
        this.state = state;
        this.log = log;
    }

    int register(String subject, String schemaText, String schemaType) {
        String canonical = canonical(schemaText, schemaType);
        synchronized (writeLock) {
            List<Version> live = state.versions(subject, false);
            for (Version version : live) {
                if (version.schema().equals(canonical)) {
                    return version.id();
                }
            }
            List<String> problems = state.effectiveLevel(subject).problems(parse(canonical),
                    live.reversed().stream().map(v -> parse(v.schema())).toList());
            if (!problems.isEmpty()) {
                throw RegistryError.incompatible(String.join("; ", problems));
            }
            int id = state.idOf(canonical).orElseGet(state::nextId);
            log.putVersion(new Version(subject, state.lastVersionNumber(subject) + 1, id, canonical, false));
            return id;
        }
    }

    Version lookup(String subject, String schemaText, String schemaType, boolean includeDeleted) {
        String canonical = canonical(schemaText, schemaType);
        List<Version> versions = state.versions(subject, includeDeleted);
        if (versions.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        return versions.stream().filter(v -> v.schema().equals(canonical)).findFirst()
                .orElseThrow(() -> RegistryError.schemaNotFound("not registered under subject '" + subject + "'"));
    }

    String schemaById(int id) {
        return state.schemaById(id).orElseThrow(() -> RegistryError.schemaNotFound("no schema with id " + id));
    }

    List<Version> versionsWithId(int id) {
        schemaById(id);
        return state.versionsWithId(id);
    }

    List<String> subjects(boolean includeDeleted) {
        return state.subjects(includeDeleted);
    }

    List<Version> versions(String subject, boolean includeDeleted) {
        List<Version> versions = state.versions(subject, includeDeleted);
        if (versions.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        return versions;
    }

    Version version(String subject, String versionText, boolean includeDeleted) {
        List<Version> versions = versions(subject, includeDeleted);
        if (isLatest(versionText)) {
            return versions.getLast();
        }
        int number = versionNumber(versionText);
        return versions.stream().filter(v -> v.version() == number).findFirst()
                .orElseThrow(() -> RegistryError.versionNotFound(number));
    }

    List<Integer> deleteSubject(String subject, boolean permanent) {
        synchronized (writeLock) {
            List<Version> all = state.versions(subject, true);
            if (all.isEmpty()) {
                throw RegistryError.subjectNotFound(subject);
            }
            List<Version> live = all.stream().filter(v -> !v.deleted()).toList();
            if (permanent) {
                if (!live.isEmpty()) {
                    throw RegistryError.subjectNotSoftDeleted(subject);
                }
                all.forEach(v -> log.removeVersion(subject, v.version()));
                return all.stream().map(Version::version).toList();
            }
            if (live.isEmpty()) {
                throw RegistryError.subjectSoftDeleted(subject);
            }
            live.forEach(v -> log.putVersion(new Version(subject, v.version(), v.id(), v.schema(), true)));
            return live.stream().map(Version::version).toList();
        }
    }

    int deleteVersion(String subject, String versionText, boolean permanent) {
        synchronized (writeLock) {
            Version version = version(subject, versionText, permanent);
            if (permanent) {
                if (!version.deleted()) {
                    throw RegistryError.versionNotSoftDeleted(subject, version.version());
                }
                log.removeVersion(subject, version.version());
            } else {
                log.putVersion(new Version(subject, version.version(), version.id(), version.schema(), true));
            }
            return version.version();
        }
    }

    /** Problems of {@code schemaText} against one version (or the versions the level implies, when null). */
    List<String> compatibility(String subject, String versionText, String schemaText, String schemaType) {
        Schema candidate = parse(canonical(schemaText, schemaType));
        List<Version> against = versionText == null ? state.versions(subject, false).reversed()
                : List.of(version(subject, versionText, false));
        Compatibility level = state.effectiveLevel(subject);
        if (versionText != null && level.transitive()) {
            level = Compatibility.valueOf(level.name().replace("_TRANSITIVE", ""));
        }
        return level.problems(candidate, against.stream().map(v -> parse(v.schema())).toList());
    }

    Compatibility globalLevel() {
        return state.globalLevel();
    }

    Compatibility subjectLevel(String subject, boolean defaultToGlobal) {
        return state.subjectLevel(subject).orElseGet(() -> {
            if (defaultToGlobal) {
                return state.globalLevel();
            }
            throw RegistryError.compatibilityNotConfigured(subject);
        });
    }

    void setLevel(String subject, Compatibility level) {
        synchronized (writeLock) {
            log.putConfig(subject, level);
        }
    }

    Compatibility deleteSubjectLevel(String subject) {
        synchronized (writeLock) {
            Compatibility previous = subjectLevel(subject, false);
            log.putConfig(subject, null);
            return previous;
        }
    }

    private static String canonical(String schemaText, String schemaType) {
        if (schemaType != null && !"AVRO".equals(schemaType)) {
            throw RegistryError.unsupported("schemaType " + schemaType + " is not supported by this registry; it holds AVRO schemas");
        }
        if (schemaText == null || schemaText.isBlank()) {
            throw RegistryError.invalidSchema("the request has no \"schema\"");
        }
        return parse(schemaText).toString();
    }

    private static Schema parse(String schemaText) {
        try {
            return new Schema.Parser().parse(schemaText);
        } catch (SchemaParseException | NullPointerException e) {
            throw RegistryError.invalidSchema(e.getMessage());
        }
    }

    private static boolean isLatest(String versionText) {
        return "latest".equals(versionText) || "-1".equals(versionText);
    }

    private static int versionNumber(String versionText) {
        try {
            int number = Integer.parseInt(versionText);
            if (number < 1) {
                throw RegistryError.invalidVersion(versionText);
            }
            return number;
        } catch (NumberFormatException e) {
            throw RegistryError.invalidVersion(versionText);
        }
    }
}
