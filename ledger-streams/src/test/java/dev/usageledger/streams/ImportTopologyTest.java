package dev.usageledger.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.schemas.avro.BudgetBreach;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.streams.errors.RejectHeaders;
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
 * Imported history (records with the ledger-import header) and late live usage against live usage,
 * in one task: each event in its own period whatever its age; in budgets, history only where its
 * period is still open and late usage in the current period as an adjustment; once however often it
 * is imported or also sent live (ADR 0002).
 */
class ImportTopologyTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private static final String TENANT = "acme";

    @TempDir
    Path state;
    private TopologyFixture ledger;

    @BeforeEach
    void start() {
        ledger = new TopologyFixture(state, Map.of(), true);
        ledger.policy(TopologyFixture.policy("acme-month", TENANT, SubjectType.tenant, TENANT, 1_000, PeriodKind.month, "UTC").build());
        ledger.policy(TopologyFixture.policy("acme-user-day", TENANT, SubjectType.user, "*", 10_000, PeriodKind.day, "UTC").build());
        ledger.send(event("live-1", "2026-12-06T12:00:00Z", "ana", 10), NOW); // live traffic up to now
    }

    @AfterEach
    void stop() {
        ledger.close();
    }

    @Test
    void shouldCountHistoryInItsOwnPeriodAndBudgetsOnlyWhereTheirPeriodIsStillOpen() {
        // When three months of history are imported a minute later
        ledger.sendImported(event("h-sep", "2026-09-15T10:00:00Z", "ana", 300), NOW.plusSeconds(60), "history.jsonl");
        ledger.sendImported(event("h-nov", "2026-11-20T10:00:00Z", "ana", 600), NOW.plusSeconds(60), "history.jsonl");
        ledger.sendImported(event("h-dec", "2026-12-05T09:00:00Z", "bo", 20), NOW.plusSeconds(60), "history.jsonl");

        // Then nothing is set aside, and every event is in the reports in its own month
        assertThat(ledger.rejected.isEmpty()).isTrue();
        assertThat(ledger.month(TENANT, SubjectType.tenant, TENANT, "2026-09").costMicros()).isEqualTo(300);
        assertThat(ledger.month(TENANT, SubjectType.tenant, TENANT, "2026-11").costMicros()).isEqualTo(600);
        assertThat(ledger.month(TENANT, SubjectType.tenant, TENANT, "2026-12").costMicros()).isEqualTo(30);
        assertThat(ledger.day(TENANT, SubjectType.user, "ana", Instant.parse("2026-09-15T00:00:00Z")).costMicros()).isEqualTo(300);

        // and the budgets hold what falls in periods still open (ended less than the 7-day grace ago):
        // November (ends Dec 1) and December, the day of Dec 5; September and the day of Nov 20 are closed
        assertThat(ledger.counter(TENANT, "acme-month", TENANT, Instant.parse("2026-09-01T00:00:00Z"))).isZero();
        assertThat(ledger.counter(TENANT, "acme-month", TENANT, Instant.parse("2026-11-01T00:00:00Z"))).isEqualTo(600);
        assertThat(ledger.counter(TENANT, "acme-month", TENANT, Instant.parse("2026-12-01T00:00:00Z"))).isEqualTo(30);
        assertThat(ledger.counter(TENANT, "acme-user-day", "ana", Instant.parse("2026-11-20T00:00:00Z"))).isZero();
        assertThat(ledger.counter(TENANT, "acme-user-day", "bo", Instant.parse("2026-12-05T00:00:00Z"))).isEqualTo(20);

        // and November's crossing of 50 % is emitted once, marked as found by the import
        List<BudgetBreach> breaches = ledger.breaches.readValuesToList();
        assertThat(breaches).singleElement().satisfies(breach -> {
            assertThat(breach.getPolicyId()).isEqualTo("acme-month");
            assertThat(breach.getThreshold()).isEqualTo(50);
            assertThat(breach.getCrossingEventId()).isEqualTo("h-nov");
            assertThat(breach.getFoundByImport()).isTrue();
        });
    }

    @Test
    void shouldCountEachEventOnceWhateverImportsAndLiveCopiesFollow() {
        List<UsageEvent> history = List.of(event("h-sep", "2026-09-15T10:00:00Z", "ana", 300),
                event("h-nov", "2026-11-20T10:00:00Z", "ana", 600), event("h-dec", "2026-12-05T09:00:00Z", "bo", 20));
        history.forEach(e -> ledger.sendImported(e, NOW.plusSeconds(60), "history.jsonl"));
        ledger.ratedRecords();
        ledger.breaches.readValuesToList();

        // When the recent event also comes live, and the same import runs again a week later
        ledger.send(event("h-dec", "2026-12-05T09:00:00Z", "bo", 20), NOW.plusSeconds(120));
        Instant later = NOW.plus(java.time.Duration.ofDays(7));
        ledger.send(event("live-2", "2026-12-13T12:00:00Z", "ana", 1), later);
        history.forEach(e -> ledger.sendImported(e, later.plusSeconds(60), "history.jsonl (again)"));

        // Then only live-2 is counted: the live copy is a duplicate, and no imported event counts twice
        assertThat(ledger.ratedRecords()).extracting(TestRecord::value).filteredOn(r -> r.getUsage() != null)
                .extracting(r -> r.getUsage().getEventId()).containsExactly("live-2");
        assertThat(ledger.month(TENANT, SubjectType.tenant, TENANT, "2026-09").costMicros()).isEqualTo(300);
        assertThat(ledger.month(TENANT, SubjectType.tenant, TENANT, "2026-11").costMicros()).isEqualTo(600);
        assertThat(ledger.month(TENANT, SubjectType.tenant, TENANT, "2026-12").costMicros()).isEqualTo(31);
        assertThat(ledger.breaches.isEmpty()).isTrue();
        assertThat(ledger.rejected.isEmpty()).isTrue();
    }

    @Test
    void shouldCountLateLiveUsageInItsOwnPeriodAndInTheCurrentPeriodOfItsBudgetsAsAnAdjustment() {
        // When a producer's spool delivers, a minute later, calls of September 15, November 20 (twice) and
        // December 2: live (no import header), all older than the 7-day grace
        ledger.send(event("late-sep", "2026-09-15T10:00:00Z", "ana", 600), NOW.plusSeconds(60));
        ledger.send(event("late-nov", "2026-11-20T10:00:00Z", "bo", 50), NOW.plusSeconds(60));
        ledger.send(event("late-nov", "2026-11-20T10:00:00Z", "bo", 50), NOW.plusSeconds(61));
        ledger.send(event("late-dec", "2026-12-02T10:00:00Z", "ana", 200), NOW.plusSeconds(62));

        // Then nothing is set aside, and each is in the reports in its own period, once
        assertThat(ledger.rejected.isEmpty()).isTrue();
        assertThat(ledger.month(TENANT, SubjectType.tenant, TENANT, "2026-09").costMicros()).isEqualTo(600);
        assertThat(ledger.month(TENANT, SubjectType.tenant, TENANT, "2026-11").costMicros()).isEqualTo(50);
        assertThat(ledger.month(TENANT, SubjectType.tenant, TENANT, "2026-12").costMicros()).isEqualTo(10 + 200);
        assertThat(ledger.day(TENANT, SubjectType.user, "ana", Instant.parse("2026-09-15T00:00:00Z")).costMicros()).isEqualTo(600);

        // and a budget period still open (ended less than the grace ago: November's month, the day of December 2)
        // counts it as usage of that period, while a closed one (September, the day of November 20) has it
        // added to the current period (December, December 6) as a late adjustment
        assertThat(ledger.counter(TENANT, "acme-month", TENANT, Instant.parse("2026-09-01T00:00:00Z"))).isZero();
        assertThat(ledger.counter(TENANT, "acme-month", TENANT, Instant.parse("2026-11-01T00:00:00Z"))).isEqualTo(50);
        assertThat(ledger.lateAdjustment(TENANT, "acme-month", TENANT, Instant.parse("2026-11-01T00:00:00Z"))).isZero();
        Instant december = Instant.parse("2026-12-01T00:00:00Z");
        assertThat(ledger.counter(TENANT, "acme-month", TENANT, december)).isEqualTo(10 + 600 + 200);
        assertThat(ledger.lateAdjustment(TENANT, "acme-month", TENANT, december)).isEqualTo(600);
        Instant today = Instant.parse("2026-12-06T00:00:00Z");
        assertThat(ledger.counter(TENANT, "acme-user-day", "ana", today)).isEqualTo(10 + 600);
        assertThat(ledger.lateAdjustment(TENANT, "acme-user-day", "ana", today)).isEqualTo(600);
        assertThat(ledger.counter(TENANT, "acme-user-day", "ana", Instant.parse("2026-12-02T00:00:00Z"))).isEqualTo(200);
        assertThat(ledger.counter(TENANT, "acme-user-day", "bo", Instant.parse("2026-11-20T00:00:00Z"))).isZero();
        assertThat(ledger.counter(TENANT, "acme-user-day", "bo", today)).isEqualTo(50);
        assertThat(ledger.lateAdjustment(TENANT, "acme-user-day", "bo", today)).isEqualTo(50);

        // and December's crossings are live breaches of the current month: 50 % crossed by the adjustment, 80 % by December 2
        assertThat(ledger.breaches.readValuesToList()).satisfiesExactly(half -> {
            assertThat(half.getPeriodStart()).isEqualTo(december);
            assertThat(half.getThreshold()).isEqualTo(50);
            assertThat(half.getCrossingEventId()).isEqualTo("late-sep");
            assertThat(half.getCrossingOccurredAt()).as("counted now, in the current period").isEqualTo(NOW.plusSeconds(60));
            assertThat(half.getFoundByImport()).isFalse();
        }, most -> {
            assertThat(most.getThreshold()).isEqualTo(80);
            assertThat(most.getCrossingEventId()).isEqualTo("late-dec");
        });
    }

    @Test
    void shouldRejectUsageOlderThanTheReportsKeepWhetherLiveOrImported() {
        // When events older than the reports keep (800 days) come, live and imported
        ledger.send(event("ancient-live", "2024-06-01T00:00:00Z", "ana", 300), NOW.plusSeconds(60));
        ledger.sendImported(event("ancient", "2024-06-01T00:00:00Z", "ana", 300), NOW.plusSeconds(60), "history.jsonl");

        // Then both are set aside as beyond retention, naming the setting that would keep them
        List<TestRecord<byte[], byte[]>> out = ledger.rejected.readRecordsToList();
        assertThat(out).extracting(r -> TopologyFixture.header(r, RejectHeaders.REASON)).containsExactly("beyond_retention", "beyond_retention");
        assertThat(TopologyFixture.header(out.get(1), RejectHeaders.DETAIL)).contains("ledger.retention.day.ms");
        assertThat(ledger.month(TENANT, SubjectType.tenant, TENANT, "2024-06").costMicros()).isZero();
    }

    private static UsageEvent event(String id, String at, String user, long costMicros) {
        return TopologyFixture.event(id, TENANT, Instant.parse(at)).setUserId(user).setProvider("openai").setModel("gpt-4o")
                .setInputTokens(100L).setOutputTokens(10L).setCostMicros(costMicros).build();
    }
}
