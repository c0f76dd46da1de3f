package dev.usageledger.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.DirectoryKind;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Usage that omits its user or teams, completed from the tenant's key directory as it was when the
 * call was made: a key moved to another team mid-month leaves its earlier usage (late arrivals
 * included) with the old team, what an event names itself wins, a user's teams fill in for a key
 * without any, and an inactive key's usage still counts.
 */
class DirectoryTopologyTest {
    private static final Instant MONTH = Instant.parse("2026-11-01T00:00:00Z");
    private static final Instant MOVED = Instant.parse("2026-11-15T00:00:00Z");

    @TempDir
    Path state;
    private TopologyFixture ledger;

    @BeforeEach
    void start() {
        ledger = new TopologyFixture(state, Map.of(), true);
        for (String team : List.of("platform", "research", "ops")) {
            ledger.policy(TopologyFixture.policy(team + "-month", "acme", SubjectType.team, team, 1_000_000, PeriodKind.month, "UTC").build());
        }
        ledger.policy(TopologyFixture.policy("ana-month", "acme", SubjectType.user, "ana", 1_000_000, PeriodKind.month, "UTC").build());
    }

    @AfterEach
    void stop() {
        ledger.close();
    }

    @Test
    void shouldLeaveAKeysUsageWithTheTeamItBelongedToWhenTheCallWasMade() {
        ledger.directory(key("k1", "ana", List.of("platform"), true, MONTH));
        ledger.directory(key("k1", "ana", List.of("research"), true, MOVED)); // moved mid-month

        send("before", "k1", Instant.parse("2026-11-10T12:00:00Z"), 100, Instant.parse("2026-11-10T12:00:00Z"));
        send("after", "k1", Instant.parse("2026-11-20T12:00:00Z"), 200, Instant.parse("2026-11-20T12:00:00Z"));
        // made the hour before the move, published five days after it
        send("late", "k1", Instant.parse("2026-11-14T23:00:00Z"), 40, Instant.parse("2026-11-20T12:00:01Z"));

        assertThat(ledger.counter("acme", "platform-month", "platform", MONTH)).as("before the move, the late one too").isEqualTo(140);
        assertThat(ledger.counter("acme", "research-month", "research", MONTH)).isEqualTo(200);
        assertThat(ledger.counter("acme", "ana-month", "ana", MONTH)).as("the key's user, before and after").isEqualTo(340);
        assertThat(ledger.month("acme", SubjectType.team, "platform", "2026-11").costMicros()).isEqualTo(140);
        assertThat(ledger.month("acme", SubjectType.team, "research", "2026-11").costMicros()).isEqualTo(200);
        assertThat(ledger.month("acme", SubjectType.user, "ana", "2026-11").costMicros()).isEqualTo(340);
        List<UsageEvent> counted = ledger.ratedRecords().stream().map(TestRecord::value).map(RatedUsageEvent::getUsage).toList();
        assertThat(counted).extracting(UsageEvent::getEventId, UsageEvent::getUserId, UsageEvent::getTeamIds).containsExactly(
                org.assertj.core.groups.Tuple.tuple("before", "ana", List.of("platform")),
                org.assertj.core.groups.Tuple.tuple("after", "ana", List.of("research")),
                org.assertj.core.groups.Tuple.tuple("late", "ana", List.of("platform")));
    }

    @Test
    void shouldKeepWhatTheEventNamesItself() {
        ledger.directory(key("k1", "ana", List.of("platform"), true, MONTH));

        Instant at = Instant.parse("2026-11-10T12:00:00Z");
        ledger.send(TopologyFixture.event("named", "acme", at).setApiKeyId("k1").setUserId("bo").setTeamIds(List.of("ops"))
                .setCostMicros(70L).build(), at);
        ledger.send(TopologyFixture.event("teams-only", "acme", at.plusSeconds(1)).setApiKeyId("k1").setTeamIds(List.of("ops"))
                .setCostMicros(5L).build(), at.plusSeconds(1));

        assertThat(ledger.counter("acme", "ops-month", "ops", MONTH)).isEqualTo(75);
        assertThat(ledger.counter("acme", "platform-month", "platform", MONTH)).as("the events named their teams").isZero();
        assertThat(ledger.counter("acme", "ana-month", "ana", MONTH)).as("the second named no user: the key's").isEqualTo(5);
        assertThat(ledger.month("acme", SubjectType.user, "bo", "2026-11").costMicros()).isEqualTo(70);
    }

    @Test
    void shouldTakeTheTeamsOfTheUserWhenTheKeyHasNone() {
        ledger.directory(key("k2", "ana", List.of(), true, MONTH));
        ledger.directory(DirectoryEntry.newBuilder().setTenantId("acme").setKind(DirectoryKind.user).setId("ana")
                .setTeamIds(List.of("research", "ops")).setEffectiveFrom(MONTH).setUpdatedAt(MONTH).build());

        Instant at = Instant.parse("2026-11-10T12:00:00Z");
        send("by-key", "k2", at, 30, at);
        ledger.send(TopologyFixture.event("by-user", "acme", at.plusSeconds(1)).setUserId("ana").setCostMicros(12L).build(), at.plusSeconds(1));

        assertThat(ledger.counter("acme", "research-month", "research", MONTH)).isEqualTo(42);
        assertThat(ledger.counter("acme", "ops-month", "ops", MONTH)).isEqualTo(42);
        assertThat(ledger.counter("acme", "ana-month", "ana", MONTH)).isEqualTo(42);
    }

    @Test
    void shouldCountTheUsageOfAnInactiveKeyAndOfAKeyItNoLongerKnows() {
        ledger.directory(key("k3", "ana", List.of("platform"), false, MONTH));
        ledger.directory(DirectoryEntry.newBuilder(key("k3", null, List.of(), true, MOVED)).setRemoved(true).build());

        send("inactive", "k3", Instant.parse("2026-11-10T12:00:00Z"), 25, Instant.parse("2026-11-10T12:00:00Z"));
        send("removed", "k3", Instant.parse("2026-11-16T12:00:00Z"), 8, Instant.parse("2026-11-16T12:00:00Z"));

        assertThat(ledger.counter("acme", "platform-month", "platform", MONTH)).as("it was used: it counts").isEqualTo(25);
        assertThat(ledger.month("acme", SubjectType.tenant, "acme", "2026-11").costMicros()).isEqualTo(33);
        assertThat(ledger.month("acme", SubjectType.api_key, "k3", "2026-11").costMicros()).isEqualTo(33);
        assertThat(ledger.month("acme", SubjectType.user, "ana", "2026-11").costMicros()).as("after its removal the key has no user")
                .isEqualTo(25);
    }

    private void send(String id, String key, Instant at, long cost, Instant publishedAt) {
        ledger.send(TopologyFixture.event(id, "acme", at).setApiKeyId(key).setCostMicros(cost).build(), publishedAt);
    }

    private static DirectoryEntry key(String id, String user, List<String> teams, boolean active, Instant from) {
        return DirectoryEntry.newBuilder().setTenantId("acme").setKind(DirectoryKind.api_key).setId(id).setUserId(user).setTeamIds(teams)
                .setActive(active).setEffectiveFrom(from).setUpdatedAt(from).build();
    }
}
