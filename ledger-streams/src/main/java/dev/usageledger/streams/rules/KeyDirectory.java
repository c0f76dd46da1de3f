package dev.usageledger.streams.rules;

import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.DirectoryKind;
import dev.usageledger.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.List;

/**
 * A tenant's key directory as a call is resolved against it: the entry of an API key or a user in
 * force at an instant. The rule, for usage, checks and holds alike:
 *
 * <table>
 *   <caption>What a call that omits its user or teams gets from the directory</caption>
 *   <tr><th>the call names</th><th>user</th><th>teams</th></tr>
 *   <tr><td>user and teams</td><td>its own</td><td>its own</td></tr>
 *   <tr><td>a key with an entry, no user</td><td>the key's user</td><td>as below</td></tr>
 *   <tr><td>no teams</td><td>—</td><td>the key's teams; when the key has none (or no entry), its user's teams</td></tr>
 * </table>
 *
 * What a call names itself always wins: the directory only fills what is missing. A key whose
 * entry is inactive at the call's time makes checks and holds deny ({@code key_inactive}); its
 * usage still counts, since it was used.
 */
@FunctionalInterface
public interface KeyDirectory {
    /** A directory with no entries: calls stay as they are. */
    KeyDirectory EMPTY = (tenant, kind, id, at) -> null;

    /** The reason a check or hold of an inactive key is denied with. */
    String KEY_INACTIVE = "key_inactive";

    /** The entry of {@code id} in force at {@code at}, or null. */
    DirectoryEntry inForce(String tenant, DirectoryKind kind, String id, Instant at);

    /** A call as the directory completes it, and whether its key is inactive then. */
    record Resolution(CallDimensions call, boolean keyInactive) {
    }

    /** Whether the directory can add to the call: it omits its teams, or names a key but no user. */
    static boolean completes(CallDimensions call) {
        return call.teams().isEmpty() || (call.user() == null && call.apiKey() != null);
    }

    /**
     * A usage event with the user and teams it omits taken from the directory as it was when the
     * call was made ({@code occurred_at}); the event itself when the directory adds nothing.
     */
    default UsageEvent completed(UsageEvent event) {
        CallDimensions call = CallDimensions.of(event);
        if (!completes(call)) {
            return event;
        }
        CallDimensions resolved = resolve(call, event.getOccurredAt()).call();
        if (resolved == call) {
            return event;
        }
        return UsageEvent.newBuilder(event).setUserId(resolved.user()).setTeamIds(resolved.teams()).build();
    }

    /** The call completed from the directory as it was at {@code at} (the call's time). */
    default Resolution resolve(CallDimensions call, Instant at) {
        DirectoryEntry key = call.apiKey() == null ? null : inForce(call.tenant(), DirectoryKind.api_key, call.apiKey(), at);
        boolean inactive = key != null && !key.getActive();
        if (!completes(call)) {
            return new Resolution(call, inactive);
        }
        String user = call.user() != null ? call.user() : key == null ? null : key.getUserId();
        List<String> teams = call.teams();
        if (teams.isEmpty() && key != null && !key.getTeamIds().isEmpty()) {
            teams = key.getTeamIds();
        }
        if (teams.isEmpty() && user != null) {
            DirectoryEntry member = inForce(call.tenant(), DirectoryKind.user, user, at);
            if (member != null) {
                teams = member.getTeamIds();
            }
        }
        if (user == call.user() && teams == call.teams()) {
            return new Resolution(call, inactive);
        }
        return new Resolution(new CallDimensions(call.tenant(), teams, user, call.apiKey(), call.feature(), call.provider(), call.model(),
                call.endpoint(), call.billing()), inactive);
    }
}
