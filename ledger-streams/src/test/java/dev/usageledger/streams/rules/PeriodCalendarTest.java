package dev.usageledger.streams.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.WeekDay;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PeriodCalendarTest {

    @Test
    void shouldMakeTheNewYorkSpringForwardDay23HoursLong() {
        PeriodWindow day = window(calendar(PeriodKind.day, "America/New_York"), "2026-03-08T12:00:00Z");

        assertThat(day.start()).isEqualTo(Instant.parse("2026-03-08T05:00:00Z"));
        assertThat(day.end()).isEqualTo(Instant.parse("2026-03-09T04:00:00Z"));
        assertThat(Duration.between(day.start(), day.end())).isEqualTo(Duration.ofHours(23));
    }

    @Test
    void shouldMakeTheNewYorkFallBackDay25HoursLong() {
        PeriodWindow day = window(calendar(PeriodKind.day, "America/New_York"), "2026-11-01T12:00:00Z");

        assertThat(day.start()).isEqualTo(Instant.parse("2026-11-01T04:00:00Z"));
        assertThat(day.end()).isEqualTo(Instant.parse("2026-11-02T05:00:00Z"));
    }

    @Test
    void shouldFollowBerlinsOwnDaylightSavingDates() {
        assertThat(window(calendar(PeriodKind.day, "Europe/Berlin"), "2026-03-29T12:00:00Z"))
                .isEqualTo(new PeriodWindow(Instant.parse("2026-03-28T23:00:00Z"), Instant.parse("2026-03-29T22:00:00Z")));
        assertThat(window(calendar(PeriodKind.day, "Europe/Berlin"), "2026-10-25T12:00:00Z"))
                .isEqualTo(new PeriodWindow(Instant.parse("2026-10-24T22:00:00Z"), Instant.parse("2026-10-25T23:00:00Z")));
    }

    @Test
    void shouldStartTheKolkataDayAt1830UtcTheEveningBefore() {
        PeriodWindow day = window(calendar(PeriodKind.day, "Asia/Kolkata"), "2026-11-20T18:29:59.999Z");

        assertThat(day.start()).isEqualTo(Instant.parse("2026-11-19T18:30:00Z"));
        assertThat(window(calendar(PeriodKind.day, "Asia/Kolkata"), "2026-11-20T18:30:00Z").start())
                .as("an instant equal to a period's start is in that period").isEqualTo(Instant.parse("2026-11-20T18:30:00Z"));
    }

    @Test
    void shouldEndJanuaryAtFebruaryFirstAndKnowLeapYears() {
        assertThat(window(calendar(PeriodKind.month, "UTC"), "2026-01-31T23:59:59.999Z"))
                .isEqualTo(new PeriodWindow(Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-02-01T00:00:00Z")));
        assertThat(window(calendar(PeriodKind.month, "UTC"), "2028-02-29T12:00:00Z").end())
                .isEqualTo(Instant.parse("2028-03-01T00:00:00Z"));
        assertThat(window(calendar(PeriodKind.year, "America/New_York"), "2027-01-01T03:00:00Z"))
                .as("still 2026 in New York").isEqualTo(new PeriodWindow(Instant.parse("2026-01-01T05:00:00Z"),
                        Instant.parse("2027-01-01T05:00:00Z")));
    }

    @Test
    void shouldUseTheLastDayOfShortMonthsForABillingAnchorOnThe31st() {
        Period billing = Period.newBuilder().setKind(PeriodKind.billing_month).setTimeZone("UTC").setAnchorDay(31).build();

        assertThat(window(billing, "2026-02-15T00:00:00Z"))
                .isEqualTo(new PeriodWindow(Instant.parse("2026-01-31T00:00:00Z"), Instant.parse("2026-02-28T00:00:00Z")));
        assertThat(window(billing, "2026-02-28T00:00:00Z"))
                .isEqualTo(new PeriodWindow(Instant.parse("2026-02-28T00:00:00Z"), Instant.parse("2026-03-31T00:00:00Z")));
        assertThat(window(billing, "2026-04-30T10:00:00Z"))
                .isEqualTo(new PeriodWindow(Instant.parse("2026-04-30T00:00:00Z"), Instant.parse("2026-05-31T00:00:00Z")));
        assertThat(window(billing, "2028-02-29T10:00:00Z").start()).as("leap year").isEqualTo(Instant.parse("2028-02-29T00:00:00Z"));
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        for (int month = 0; month < 12; month++) {
            PeriodWindow cycle = window(billing, at.toString());
            assertThat(window(billing, cycle.end().toString()).start()).as("cycles tile the year").isEqualTo(cycle.end());
            at = cycle.end();
        }
    }

    @Test
    void shouldStartWeeksOnMondayByDefaultOrOnTheChosenDay() {
        // Sunday 2026-11-22 23:30 in New York is already Monday 04:30 UTC
        String sundayNightNewYork = "2026-11-23T04:30:00Z";
        assertThat(window(calendar(PeriodKind.week, "America/New_York"), sundayNightNewYork).start())
                .isEqualTo(Instant.parse("2026-11-16T05:00:00Z"));
        assertThat(window(calendar(PeriodKind.week, "UTC"), sundayNightNewYork).start())
                .isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
        Period sundayWeeks = Period.newBuilder(calendar(PeriodKind.week, "America/New_York")).setWeekStart(WeekDay.SUNDAY).build();
        assertThat(window(sundayWeeks, sundayNightNewYork))
                .isEqualTo(new PeriodWindow(Instant.parse("2026-11-22T05:00:00Z"), Instant.parse("2026-11-29T05:00:00Z")));
    }

    @Test
    void shouldCountIntervalsFromTheAnchorOnBothSides() {
        Period sixHours = Period.newBuilder().setKind(PeriodKind.interval).setEveryMs(Duration.ofHours(6).toMillis())
                .setAnchor(Instant.parse("2026-11-01T00:00:00Z")).build();

        assertThat(window(sixHours, "2026-11-20T13:00:00Z")).isEqualTo(new PeriodWindow(Instant.parse("2026-11-20T12:00:00Z"),
                Instant.parse("2026-11-20T18:00:00Z")));
        assertThat(window(sixHours, "2026-10-31T23:59:59.999Z").start()).isEqualTo(Instant.parse("2026-10-31T18:00:00Z"));
    }

    @Test
    void shouldPutAnInstantOneMillisecondBeforeAStartInThePreviousPeriod() {
        assertThat(window(calendar(PeriodKind.day, "UTC"), "2026-11-20T23:59:59.999Z").end())
                .isEqualTo(Instant.parse("2026-11-21T00:00:00Z"));
    }

    @Test
    void shouldNameTheBadSetting() {
        assertThatThrownBy(() -> window(calendar(PeriodKind.day, "Mars/Olympus_Mons"), "2026-11-20T00:00:00Z"))
                .hasMessageContaining("time_zone 'Mars/Olympus_Mons'");
        assertThatThrownBy(() -> window(Period.newBuilder().setKind(PeriodKind.billing_month).setAnchorDay(0).build(),
                "2026-11-20T00:00:00Z")).hasMessageContaining("anchor_day must be 1..31, got 0");
    }

    private static Period calendar(PeriodKind kind, String zone) {
        return Period.newBuilder().setKind(kind).setTimeZone(zone).build();
    }

    private static PeriodWindow window(Period period, String at) {
        return PeriodCalendar.windowAt(period, Instant.parse(at));
    }
}
