package dev.usageledger.query.api;

import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.DirectoryKind;
import dev.usageledger.streams.decision.InvalidInputException;
import java.time.Instant;
import java.util.List;

/**
 * The body of {@code PUT /v1/tenants/{t}/keys/{key}} (who the key belongs to: its user, its teams,
 * whether it is active) and of {@code PUT /v1/tenants/{t}/users/{user}} (which teams the user is
 * in). The new version is in force from {@code effective_from}, by default the time of the write.
 */
public record DirectoryBody(String userId, List<String> teamIds, Boolean active, String effectiveFrom, String updatedBy) {
    private static final int MAX_TEXT = 200;
    private static final int MAX_TEAMS = 100;

    /** The key's entry, as a version of the tenant's directory written at {@code now}. */
    public DirectoryEntry toKeyEntry(String tenant, String keyId, Instant now) {
        Fields.requireId("api_key_id", keyId);
        if (userId != null) {
            Fields.requireId("user_id", userId);
        }
        return entry(tenant, DirectoryKind.api_key, keyId, now).setUserId(userId).setActive(active == null || active).build();
    }

    /** The user's entry: {@code team_ids} is required (an empty list puts the user in no team); a user has no user or active flag. */
    public DirectoryEntry toUserEntry(String tenant, String user, Instant now) {
        Fields.requireId("user_id", user);
        if (userId != null) {
            throw new InvalidInputException("user_id", "a user's entry names the user in its path, not user_id; got '" + userId + "'");
        }
        if (active != null) {
            throw new InvalidInputException("active", "active is a key's flag; a user's entry has only team_ids");
        }
        if (teamIds == null) {
            throw new InvalidInputException("team_ids", "team_ids is required: the teams the user is in ([] for none)");
        }
        return entry(tenant, DirectoryKind.user, user, now).build();
    }

    /** A removal: from {@code effective_from} (default now) the directory has no entry for the id. */
    public static DirectoryEntry removal(String tenant, DirectoryKind kind, String id, String effectiveFrom, Instant now) {
        Instant from = effectiveFrom == null ? now : Fields.instant("effective_from", effectiveFrom);
        return DirectoryEntry.newBuilder().setTenantId(tenant).setKind(kind).setId(id).setEffectiveFrom(from).setRemoved(true)
                .setUpdatedAt(now).build();
    }

    private DirectoryEntry.Builder entry(String tenant, DirectoryKind kind, String id, Instant now) {
        Fields.requireId("tenant_id", tenant);
        List<String> teams = teamIds == null ? List.of() : teamIds;
        if (teams.size() > MAX_TEAMS) {
            throw new InvalidInputException("team_ids", "team_ids may name at most " + MAX_TEAMS + " teams, got " + teams.size());
        }
        for (int i = 0; i < teams.size(); i++) {
            Fields.requireId("team_ids[" + i + "]", teams.get(i));
        }
        if (updatedBy != null && (updatedBy.isBlank() || updatedBy.length() > MAX_TEXT)) {
            throw new InvalidInputException("updated_by", "updated_by must be 1.." + MAX_TEXT + " characters, got " + updatedBy.length());
        }
        Instant from = effectiveFrom == null ? now : Fields.instant("effective_from", effectiveFrom);
        return DirectoryEntry.newBuilder().setTenantId(tenant).setKind(kind).setId(id).setEffectiveFrom(from)
                .setTeamIds(teams.stream().distinct().toList()).setUpdatedBy(updatedBy).setUpdatedAt(now);
    }
}
