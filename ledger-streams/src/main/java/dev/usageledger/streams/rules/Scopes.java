package dev.usageledger.streams.rules;

import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import java.util.ArrayList;
import java.util.List;

/** The scopes one usage event counts toward, each once: its tenant, each of its teams, and each dimension it names. */
public final class Scopes {
    /** One scope: a dimension and a member of it. */
    public record Scope(SubjectType type, String id) {
    }

    private Scopes() {
    }

    public static List<Scope> of(UsageEvent event) {
        List<Scope> scopes = new ArrayList<>(8);
        scopes.add(new Scope(SubjectType.tenant, event.getTenantId()));
        List<String> teams = event.getTeamIds();
        for (int i = 0; i < teams.size(); i++) {
            if (teams.indexOf(teams.get(i)) == i) { // a team listed twice counts once
                scopes.add(new Scope(SubjectType.team, teams.get(i)));
            }
        }
        add(scopes, SubjectType.user, event.getUserId());
        add(scopes, SubjectType.api_key, event.getApiKeyId());
        add(scopes, SubjectType.feature, event.getFeature());
        add(scopes, SubjectType.provider, event.getProvider());
        add(scopes, SubjectType.model, event.getModel());
        return scopes;
    }

    private static void add(List<Scope> scopes, SubjectType type, String id) {
        if (id != null && !id.isEmpty()) {
            scopes.add(new Scope(type, id));
        }
    }
}
