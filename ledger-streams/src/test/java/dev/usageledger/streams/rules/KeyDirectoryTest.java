package dev.usageledger.streams.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.BillingScope;
import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.DirectoryKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each row of the rule {@link KeyDirectory} documents, against a directory with history. */
class KeyDirectoryTest {
    private static final Instant T1 = Instant.parse("2026-11-01T00:00:00Z");
    private static final Instant T2 = Instant.parse("2026-11-15T00:00:00Z");
    private final List<DirectoryEntry> entries = new ArrayList<>();
    private final KeyDirectory directory = (tenant, kind, id, at) -> {
        DirectoryEntry inForce = null;
        for (DirectoryEntry entry : entries) { // oldest first
            if (entry.getTenantId().equals(tenant) && entry.getKind() == kind && entry.getId().equals(id)
                    && !entry.getEffectiveFrom().isAfter(at)) {
                inForce = entry;
            }
        }
        return inForce == null || inForce.getRemoved() ? null : inForce;
    };

    @Test
    void shouldFillTheUserAndTeamsOfAKeyAsTheyWereAtTheCallsTime() {
        entries.add(key("k1", "ana", List.of("platform"), true, T1));
        entries.add(key("k1", "ana", List.of("research"), true, T2));

        assertThat(directory.resolve(call(null, List.of(), "k1"), T2.minusMillis(1)).call())
                .extracting(CallDimensions::user, CallDimensions::teams).containsExactly("ana", List.of("platform"));
        assertThat(directory.resolve(call(null, List.of(), "k1"), T2).call())
                .extracting(CallDimensions::user, CallDimensions::teams).containsExactly("ana", List.of("research"));
        assertThat(directory.resolve(call(null, List.of(), "k1"), T1.minusMillis(1)).call())
                .as("before the key's first version: nothing to fill").isEqualTo(call(null, List.of(), "k1"));
    }

    @Test
    void shouldKeepWhatTheCallNamesItself() {
        entries.add(key("k1", "ana", List.of("platform"), true, T1));
        CallDimensions named = call("bo", List.of("ops"), "k1");

        KeyDirectory.Resolution resolved = directory.resolve(named, T2);

        assertThat(resolved.call()).isSameAs(named);
        assertThat(directory.resolve(call("bo", List.of(), "k1"), T2).call())
                .extracting(CallDimensions::user, CallDimensions::teams).as("its user stays; teams from the key").containsExactly("bo",
                        List.of("platform"));
        assertThat(directory.resolve(call(null, List.of("ops"), "k1"), T2).call())
                .extracting(CallDimensions::user, CallDimensions::teams).as("its teams stay; the user from the key").containsExactly("ana",
                        List.of("ops"));
    }

    @Test
    void shouldTakeTheTeamsOfTheUserWhenTheKeyHasNoneOrNoEntry() {
        entries.add(key("k2", "ana", List.of(), true, T1));
        entries.add(DirectoryEntry.newBuilder().setTenantId("acme").setKind(DirectoryKind.user).setId("ana")
                .setTeamIds(List.of("research")).setEffectiveFrom(T1).setUpdatedAt(T1).build());

        assertThat(directory.resolve(call(null, List.of(), "k2"), T2).call().teams()).containsExactly("research");
        assertThat(directory.resolve(call("ana", List.of(), null), T2).call().teams()).containsExactly("research");
        assertThat(directory.resolve(call("ana", List.of(), "unknown-key"), T2).call().teams()).containsExactly("research");
        assertThat(directory.resolve(call("cy", List.of(), null), T2).call().teams()).as("no entry: no teams").isEmpty();
    }

    @Test
    void shouldSayAKeyIsInactiveOnlyWhileItsEntryInForceIsInactive() {
        entries.add(key("k3", "ana", List.of("platform"), false, T1));
        entries.add(key("k3", "ana", List.of("platform"), true, T2));

        assertThat(directory.resolve(call("ana", List.of("platform"), "k3"), T1).keyInactive())
                .as("inactive even when the call names everything").isTrue();
        assertThat(directory.resolve(call(null, List.of(), "k3"), T2).keyInactive()).isFalse();
        assertThat(directory.resolve(call(null, List.of(), "other"), T2).keyInactive()).as("an unknown key is not inactive").isFalse();
    }

    @Test
    void shouldForgetARemovedEntryFromItsRemoval() {
        entries.add(key("k4", "ana", List.of("platform"), false, T1));
        entries.add(DirectoryEntry.newBuilder(key("k4", null, List.of(), true, T2)).setRemoved(true).build());

        KeyDirectory.Resolution after = directory.resolve(call(null, List.of(), "k4"), T2);

        assertThat(after.call().user()).isNull();
        assertThat(after.keyInactive()).isFalse();
        assertThat(directory.resolve(call(null, List.of(), "k4"), T1).call().user()).isEqualTo("ana");
    }

    private static CallDimensions call(String user, List<String> teams, String key) {
        return new CallDimensions("acme", teams, user, key, null, "openai", "gpt-4.1", null, BillingScope.tenant);
    }

    private static DirectoryEntry key(String id, String user, List<String> teams, boolean active, Instant from) {
        return DirectoryEntry.newBuilder().setTenantId("acme").setKind(DirectoryKind.api_key).setId(id).setUserId(user).setTeamIds(teams)
                .setActive(active).setEffectiveFrom(from).setUpdatedAt(from).build();
    }
}
