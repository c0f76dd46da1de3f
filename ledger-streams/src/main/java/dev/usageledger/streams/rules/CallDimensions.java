package dev.usageledger.streams.rules;

import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.schemas.avro.UsageEvent;
import java.util.List;

/**
 * Who made a call and what it used: the dimensions policies select on. A usage event has them,
 * and so has a check made before the call, which is how both are judged by the same rules.
 */
public record CallDimensions(String tenant, List<String> teams, String user, String apiKey, String feature, String provider,
                             String model, String endpoint, BillingScope billing) {
    /** A team listed twice is one team: the call counts toward it once. Who pays is the tenant unless said otherwise. */
    public CallDimensions {
        teams = teams == null ? List.of() : distinct(teams);
        billing = billing == null ? BillingScope.tenant : billing;
    }

    private static List<String> distinct(List<String> teams) {
        if (teams.size() < 2) { // the common case, without a stream
            return List.copyOf(teams);
        }
        return teams.stream().distinct().toList();
    }

    /** The dimensions of a usage event. */
    public static CallDimensions of(UsageEvent event) {
        return new CallDimensions(event.getTenantId(), event.getTeamIds(), event.getUserId(), event.getApiKeyId(),
                event.getFeature(), event.getProvider(), event.getModel(), event.getEndpoint(), event.getBillingScope());
    }
}
