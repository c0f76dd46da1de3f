package dev.usageledger.streams.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import dev.usageledger.schemas.avro.WeekDay;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PeriodCalendarTest {
    private static final PeriodSpec NEW_YORK_DAY = PeriodSpec.calendar(PeriodKind.day, "America/New_York");
    private static final PeriodSpec BERLIN_DAY = PeriodSpec.calendar(PeriodKind.day, "Europe/Berlin");

    @Nested
    class Days {
        @Test
        void shouldMakeTheNewYorkSpringForwardDayTwentyThreeHoursLong() {
            // Given noon UTC on 2026-03-08, when New York clocks jump from 02:00 to 03:00
            Instant at = at("2026-03-08T12:00:00Z");

            // When
            PeriodWindow day = PeriodCalendar.windowAt(NEW_YORK_DAY, at);

            // Then it starts at EST midnight and ends at EDT midnight
            assertThat(day).isEqualTo(window("2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"));
            assertThat(Duration.between(day.start(), day.end())).isEqualTo(Duration.ofHours(23));
        }

        @Test
        void shouldStartTheNewYorkDayAt0400ZAfterSpringForward() {
            // Given / When
            PeriodWindow day = PeriodCalendar.windowAt(NEW_YORK_DAY, at("2026-03-09T12:00:00Z"));

            // Then
            assertThat(day).isEqualTo(window("2026-03-09T04:00:00Z", "2026-03-10T04:00:00Z"));
        }

        @Test
        void shouldMakeTheNewYorkFallBackDayTwentyFiveHoursLongAndKeepBothOneThirtiesInIt() {
            // Given 01:30 EDT and, an hour later, 01:30 EST on 2026-11-01
            Instant firstOneThirty = at("2026-11-01T05:30:00Z");
            Instant secondOneThirty = at("2026-11-01T06:30:00Z");

            // When
            PeriodWindow day = PeriodCalendar.windowAt(NEW_YORK_DAY, firstOneThirty);

            // Then
            assertThat(day).isEqualTo(window("2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z"));
            assertThat(Duration.between(day.start(), day.end())).isEqualTo(Duration.ofHours(25));
            assertThat(PeriodCalendar.windowAt(NEW_YORK_DAY, secondOneThirty)).isEqualTo(day);
        }

        @Test
        void shouldFollowBerlinsOwnDaylightSavingDates() {
            // Given Berlin's 2026 transitions, three weeks after New York's in spring and one before in autumn
            // When / Then
            assertThat(PeriodCalendar.windowAt(BERLIN_DAY, at("2026-03-29T12:00:00Z")))
                    .as("23 h").isEqualTo(window("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"));
            assertThat(PeriodCalendar.windowAt(BERLIN_DAY, at("2026-10-25T12:00:00Z")))
                    .as("25 h").isEqualTo(window("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"));
            assertThat(PeriodCalendar.windowAt(BERLIN_DAY, at("2026-03-08T12:00:00Z")))
                    .as("New York's transition day is an ordinary Berlin day")
                    .isEqualTo(window("2026-03-07T23:00:00Z", "2026-03-08T23:00:00Z"));
        }

        @Test
        void shouldStartTheKolkataDayAt1830ZTheEveningBefore() {
            // Given a day in India, five and a half hours ahead of UTC
            PeriodSpec kolkataDay = PeriodSpec.calendar(PeriodKind.day, "Asia/Kolkata");

            // When / Then
            assertThat(PeriodCalendar.windowAt(kolkataDay, at("2026-11-20T18:29:59.999Z")))
                    .isEqualTo(window("2026-11-19T18:30:00Z", "2026-11-20T18:30:00Z"));
            assertThat(PeriodCalendar.windowAt(kolkataDay, at("2026-11-20T18:30:00Z")))
                    .isEqualTo(window("2026-11-20T18:30:00Z", "2026-11-21T18:30:00Z"));
        }

        @Test
        void shouldStartTheDayWhenClocksLandWhereMidnightDoesNotExist() {
            // Given Santiago, whose clocks jump from 00:00 to 01:00 on 2026-09-06
            PeriodSpec santiagoDay = PeriodSpec.calendar(PeriodKind.day, "America/Santiago");

            // When
            PeriodWindow day = PeriodCalendar.windowAt(santiagoDay, at("2026-09-06T12:00:00Z"));

            // Then the day starts at 01:00 -03:00 and the day before ends there
            assertThat(day).isEqualTo(window("2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z"));
            assertThat(PeriodCalendar.windowAt(santiagoDay, at("2026-09-06T03:59:59.999Z")))
                    .isEqualTo(window("2026-09-05T04:00:00Z", "2026-09-06T04:00:00Z"));
        }

        @Test
        void shouldHaveExactlyOneShortAndOneLongNewYorkDayIn2026() {
            // Given every New York day of 2026
            Map<Duration, Integer> daysByLength = new TreeMap<>();
            PeriodWindow day = PeriodCalendar.windowAt(NEW_YORK_DAY, at("2026-01-01T12:00:00Z"));

            // When
            while (day.start().isBefore(at("2027-01-01T05:00:00Z"))) {
                daysByLength.merge(Duration.between(day.start(), day.end()), 1, Integer::sum);
                day = PeriodCalendar.next(NEW_YORK_DAY, day);
            }

            // Then
            assertThat(daysByLength).containsExactly(entry(Duration.ofHours(23), 1), entry(Duration.ofHours(24), 363),
                    entry(Duration.ofHours(25), 1));
        }

        @Test
        void shouldPutAnInstantAtAPeriodStartInThatPeriodAndOneMillisecondBeforeInThePrevious() {
            // Given the start of a New York day
            Instant start = at("2026-11-20T05:00:00Z");

            // When / Then
            assertThat(PeriodCalendar.windowAt(NEW_YORK_DAY, start)).isEqualTo(window("2026-11-20T05:00:00Z", "2026-11-21T05:00:00Z"));
            assertThat(PeriodCalendar.windowAt(NEW_YORK_DAY, start.minusMillis(1)))
                    .isEqualTo(window("2026-11-19T05:00:00Z", "2026-11-20T05:00:00Z"));
        }
    }

    @Nested
    class Weeks {
        // Sunday 2026-11-22 23:30 in New York is already Monday 04:30 in UTC
        private final Instant sundayNightInNewYork = at("2026-11-23T04:30:00Z");

        @Test
        void shouldStartWeeksOnMondayByDefaultInTheZonesOwnCalendar() {
            // When / Then
            assertThat(PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.week, "America/New_York"), sundayNightInNewYork))
                    .as("still the week of Monday 16th in New York")
                    .isEqualTo(window("2026-11-16T05:00:00Z", "2026-11-23T05:00:00Z"));
            assertThat(PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.week, "UTC"), sundayNightInNewYork))
                    .as("already the week of Monday 23rd in UTC")
                    .isEqualTo(window("2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z"));
        }

        @Test
        void shouldStartWeeksOnSundayWhenChosen() {
            // When / Then
            assertThat(PeriodCalendar.windowAt(PeriodSpec.week("America/New_York", DayOfWeek.SUNDAY), sundayNightInNewYork))
                    .isEqualTo(window("2026-11-22T05:00:00Z", "2026-11-29T05:00:00Z"));
            assertThat(PeriodCalendar.windowAt(PeriodSpec.week("UTC", DayOfWeek.SUNDAY), sundayNightInNewYork))
                    .isEqualTo(window("2026-11-22T00:00:00Z", "2026-11-29T00:00:00Z"));
        }

        @Test
        void shouldStartWeeksOnAnyChosenDayIncludingTheInstantsOwnDay() {
            // Given Wednesday 2026-11-25 00:00 UTC
            Instant wednesdayMidnight = at("2026-11-25T00:00:00Z");

            // When / Then
            assertThat(PeriodCalendar.windowAt(PeriodSpec.week("UTC", DayOfWeek.WEDNESDAY), wednesdayMidnight))
                    .isEqualTo(window("2026-11-25T00:00:00Z", "2026-12-02T00:00:00Z"));
            assertThat(PeriodCalendar.windowAt(PeriodSpec.week("UTC", DayOfWeek.THURSDAY), wednesdayMidnight))
                    .isEqualTo(window("2026-11-19T00:00:00Z", "2026-11-26T00:00:00Z"));
        }

        @Test
        void shouldMakeTheNewYorkWeekOfSpringForwardAnHourShort() {
            // When
            PeriodWindow week = PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.week, "America/New_York"),
                    at("2026-03-05T12:00:00Z"));

            // Then
            assertThat(week).isEqualTo(window("2026-03-02T05:00:00Z", "2026-03-09T04:00:00Z"));
            assertThat(Duration.between(week.start(), week.end())).isEqualTo(Duration.ofHours(7 * 24 - 1));
        }
    }

    @Nested
    class MonthsAndYears {
        private final PeriodSpec utcMonth = PeriodSpec.calendar(PeriodKind.month, "UTC");

        @Test
        void shouldEndJanuaryAtFebruaryFirst() {
            // When / Then
            assertThat(PeriodCalendar.windowAt(utcMonth, at("2026-01-31T23:59:59.999Z")))
                    .isEqualTo(window("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"));
            assertThat(PeriodCalendar.windowAt(utcMonth, at("2026-02-01T00:00:00Z")))
                    .isEqualTo(window("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"));
        }

        @Test
        void shouldGiveFebruary2028ItsLeapDay() {
            // When
            PeriodWindow february = PeriodCalendar.windowAt(utcMonth, at("2028-02-29T12:00:00Z"));

            // Then
            assertThat(february).isEqualTo(window("2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"));
            assertThat(Duration.between(february.start(), february.end())).isEqualTo(Duration.ofDays(29));
        }

        @Test
        void shouldCutNewYorkMonthsAtLocalMidnightAcrossDaylightSaving() {
            // When / Then
            assertThat(PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.month, "America/New_York"), at("2026-03-31T12:00:00Z")))
                    .isEqualTo(window("2026-03-01T05:00:00Z", "2026-04-01T04:00:00Z"));
        }

        @Test
        void shouldKeepTheOldYearInNewYorkAfterUtcMidnight() {
            // Given 2027-01-01 03:00 UTC, which is 22:00 on New Year's Eve in New York
            PeriodSpec newYorkYear = PeriodSpec.calendar(PeriodKind.year, "America/New_York");

            // When / Then
            assertThat(PeriodCalendar.windowAt(newYorkYear, at("2027-01-01T03:00:00Z")))
                    .isEqualTo(window("2026-01-01T05:00:00Z", "2027-01-01T05:00:00Z"));
            assertThat(PeriodCalendar.windowAt(newYorkYear, at("2027-01-01T05:00:00Z")))
                    .isEqualTo(window("2027-01-01T05:00:00Z", "2028-01-01T05:00:00Z"));
        }

        @Test
        void shouldStartTheNewYearInTokyoBeforeUtcMidnight() {
            // When / Then
            assertThat(PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.year, "Asia/Tokyo"), at("2026-12-31T15:00:00Z")))
                    .isEqualTo(window("2026-12-31T15:00:00Z", "2027-12-31T15:00:00Z"));
        }

        @Test
        void shouldMakeTheLeapYear366Days() {
            // When
            PeriodWindow year = PeriodCalendar.windowAt(PeriodSpec.calendar(PeriodKind.year, "UTC"), at("2028-02-29T00:00:00Z"));

            // Then
            assertThat(year).isEqualTo(window("2028-01-01T00:00:00Z", "2029-01-01T00:00:00Z"));
            assertThat(Duration.between(year.start(), year.end())).isEqualTo(Duration.ofDays(366));
        }
    }

    @Nested
    class BillingMonths {
        @Test
        void shouldStartAnAnchorOnThe31stOnTheLastDayOfShortMonthsAllYear() {
            // Given cycles anchored on the 31st
            PeriodSpec billing = PeriodSpec.billingMonth("UTC", 31);
            List<Instant> starts = new ArrayList<>();

            // When walking from the cycle containing mid-January 2026
            PeriodWindow cycle = PeriodCalendar.windowAt(billing, at("2026-01-15T00:00:00Z"));
            for (int i = 0; i < 14; i++) {
                starts.add(cycle.start());
                cycle = PeriodCalendar.next(billing, cycle);
            }

            // Then
            assertThat(starts).containsExactly(at("2025-12-31T00:00:00Z"), at("2026-01-31T00:00:00Z"), at("2026-02-28T00:00:00Z"),
                    at("2026-03-31T00:00:00Z"), at("2026-04-30T00:00:00Z"), at("2026-05-31T00:00:00Z"), at("2026-06-30T00:00:00Z"),
                    at("2026-07-31T00:00:00Z"), at("2026-08-31T00:00:00Z"), at("2026-09-30T00:00:00Z"), at("2026-10-31T00:00:00Z"),
                    at("2026-11-30T00:00:00Z"), at("2026-12-31T00:00:00Z"), at("2027-01-31T00:00:00Z"));
        }

        @ParameterizedTest(name = "anchor {0}: {1} is in [{2}, {3})")
        @CsvSource({
            "29, 2028-02-28T23:59:59.999Z, 2028-01-29T00:00:00Z, 2028-02-29T00:00:00Z",
            "29, 2028-02-29T00:00:00Z,     2028-02-29T00:00:00Z, 2028-03-29T00:00:00Z",
            "30, 2028-02-29T00:00:00Z,     2028-02-29T00:00:00Z, 2028-03-30T00:00:00Z",
            "30, 2028-02-15T00:00:00Z,     2028-01-30T00:00:00Z, 2028-02-29T00:00:00Z",
            "31, 2028-02-29T00:00:00Z,     2028-02-29T00:00:00Z, 2028-03-31T00:00:00Z",
            "31, 2028-03-30T23:59:59.999Z, 2028-02-29T00:00:00Z, 2028-03-31T00:00:00Z",
            "29, 2027-02-28T00:00:00Z,     2027-02-28T00:00:00Z, 2027-03-29T00:00:00Z",
            "29, 2027-02-27T23:59:59.999Z, 2027-01-29T00:00:00Z, 2027-02-28T00:00:00Z",
            "30, 2027-02-28T00:00:00Z,     2027-02-28T00:00:00Z, 2027-03-30T00:00:00Z",
            "31, 2027-02-28T00:00:00Z,     2027-02-28T00:00:00Z, 2027-03-31T00:00:00Z",
            "31, 2027-02-10T00:00:00Z,     2027-01-31T00:00:00Z, 2027-02-28T00:00:00Z",
            "28, 2028-02-29T00:00:00Z,     2028-02-28T00:00:00Z, 2028-03-28T00:00:00Z",
        })
        void shouldMoveLateAnchorsToTheLastDayOfFebruaryInLeapAndCommonYears(int anchorDay, String at, String start, String end) {
            // When / Then
            assertThat(PeriodCalendar.windowAt(PeriodSpec.billingMonth("UTC", anchorDay), at(at))).isEqualTo(window(start, end));
        }

        @Test
        void shouldStartTheCycleAtLocalMidnightOfTheAnchorDay() {
            // Given cycles from the 1st in New York
            PeriodSpec billing = PeriodSpec.billingMonth("America/New_York", 1);

            // When / Then 2026-11-01 03:00 UTC is still October 31st in New York
            assertThat(PeriodCalendar.windowAt(billing, at("2026-11-01T03:00:00Z")))
                    .isEqualTo(window("2026-10-01T04:00:00Z", "2026-11-01T04:00:00Z"));
            assertThat(PeriodCalendar.windowAt(billing, at("2026-11-01T04:00:00Z")))
                    .isEqualTo(window("2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z"));
        }

        @Test
        void shouldPutDaysBeforeTheAnchorInTheCycleThatStartedLastMonth() {
            // When / Then
            assertThat(PeriodCalendar.windowAt(PeriodSpec.billingMonth("UTC", 15), at("2026-01-10T00:00:00Z")))
                    .isEqualTo(window("2025-12-15T00:00:00Z", "2026-01-15T00:00:00Z"));
            assertThat(PeriodCalendar.windowAt(PeriodSpec.billingMonth("UTC", 15), at("2026-01-14T23:59:59.999Z")).end())
                    .isEqualTo(at("2026-01-15T00:00:00Z"));
        }
    }

    @Nested
    class RollingWindows {
        @Test
        void shouldCountTheInstantItselfAndDropUsageExactlyOneDurationOld() {
            // Given the last minute at 12:00:00.000
            PeriodSpec lastMinute = PeriodSpec.rolling(Duration.ofMinutes(1));
            Instant now = at("2026-11-20T12:00:00Z");

            // When
            PeriodWindow window = PeriodCalendar.windowAt(lastMinute, now);

            // Then (now - 1 min, now], as half-open milliseconds
            assertThat(window).isEqualTo(window("2026-11-20T11:59:00.001Z", "2026-11-20T12:00:00.001Z"));
            assertThat(window.contains(now)).isTrue();
            assertThat(window.contains(now.minusSeconds(60))).isFalse();
            assertThat(window.contains(now.minusMillis(59_999))).isTrue();
        }

        @Test
        void shouldCutASubMillisecondInstantToItsMillisecond() {
            // When / Then
            assertThat(PeriodCalendar.windowAt(PeriodSpec.rolling(Duration.ofSeconds(1)), at("2026-11-20T12:00:00.000900Z")))
                    .isEqualTo(window("2026-11-20T11:59:59.001Z", "2026-11-20T12:00:00.001Z"));
        }

        @Test
        void shouldRefuseNextAndPreviousForARollingWindow() {
            // Given
            PeriodSpec lastMinute = PeriodSpec.rolling(Duration.ofMinutes(1));
            PeriodWindow window = PeriodCalendar.windowAt(lastMinute, at("2026-11-20T12:00:00Z"));

            // When / Then
            assertThatThrownBy(() -> PeriodCalendar.next(lastMinute, window)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no next or previous period");
            assertThatThrownBy(() -> PeriodCalendar.previous(lastMinute, window)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class Intervals {
        private final PeriodSpec sixHours = PeriodSpec.interval(Duration.ofHours(6), at("2026-11-01T00:00:00Z"));

        @Test
        void shouldCountStepsFromTheAnchor() {
            // When / Then
            assertThat(PeriodCalendar.windowAt(sixHours, at("2026-11-20T13:00:00Z")))
                    .isEqualTo(window("2026-11-20T12:00:00Z", "2026-11-20T18:00:00Z"));
            assertThat(PeriodCalendar.windowAt(sixHours, at("2026-11-01T00:00:00Z")))
                    .isEqualTo(window("2026-11-01T00:00:00Z", "2026-11-01T06:00:00Z"));
        }

        @Test
        void shouldCountStepsBackwardsBeforeTheAnchor() {
            // When / Then
            assertThat(PeriodCalendar.windowAt(sixHours, at("2026-10-31T23:59:59.999Z")))
                    .isEqualTo(window("2026-10-31T18:00:00Z", "2026-11-01T00:00:00Z"));
            assertThat(PeriodCalendar.windowAt(sixHours, at("2026-10-30T05:00:00Z")))
                    .isEqualTo(window("2026-10-30T00:00:00Z", "2026-10-30T06:00:00Z"));
            assertThat(PeriodCalendar.windowAt(sixHours, at("2026-10-30T06:00:00Z")))
                    .isEqualTo(window("2026-10-30T06:00:00Z", "2026-10-30T12:00:00Z"));
        }

        @Test
        void shouldStepInElapsedTimeSoATwentyFourHourIntervalDriftsFromTheLocalDayAtDaylightSaving() {
            // Given 24 h steps anchored at New York midnight before spring forward
            PeriodSpec everyDay = PeriodSpec.interval(Duration.ofHours(24), at("2026-03-07T05:00:00Z"));

            // When / Then the step after the transition starts at 01:00 EDT, not at midnight
            assertThat(PeriodCalendar.windowAt(everyDay, at("2026-03-09T12:00:00Z")))
                    .isEqualTo(window("2026-03-09T05:00:00Z", "2026-03-10T05:00:00Z"));
        }

        @Test
        void shouldStepByAnOddLengthFromAnOddAnchor() {
            // Given 7 minutes from 00:00:03.250
            PeriodSpec sevenMinutes = PeriodSpec.interval(Duration.ofMinutes(7), at("2026-01-01T00:00:03.250Z"));

            // When / Then
            assertThat(PeriodCalendar.windowAt(sevenMinutes, at("2026-01-01T01:00:00Z")))
                    .isEqualTo(window("2026-01-01T00:56:03.250Z", "2026-01-01T01:03:03.250Z"));
        }
    }

    @Nested
    class Neighbours {
        @Test
        void shouldStepToTheNextAndPreviousPeriodsAcrossDaylightSaving() {
            // Given the New York day after spring forward
            PeriodWindow monday = PeriodCalendar.windowAt(NEW_YORK_DAY, at("2026-03-09T12:00:00Z"));

            // When / Then
            assertThat(PeriodCalendar.previous(NEW_YORK_DAY, monday)).isEqualTo(window("2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"));
            assertThat(PeriodCalendar.next(NEW_YORK_DAY, monday)).isEqualTo(window("2026-03-10T04:00:00Z", "2026-03-11T04:00:00Z"));
        }

        @Test
        void shouldTileTheTimelineWithoutGapsOrOverlapsInEveryZoneAndKind() {
            // Given zones with DST at midnight, half-hour offsets and half-hour DST shifts
            List<String> zones = List.of("America/New_York", "Europe/Berlin", "Asia/Kolkata", "America/Santiago",
                    "America/Havana", "Australia/Lord_Howe", "Pacific/Chatham", "UTC");
            int checked = 0;

            for (String zone : zones) {
                for (PeriodSpec spec : List.of(PeriodSpec.calendar(PeriodKind.day, zone), PeriodSpec.calendar(PeriodKind.week, zone),
                        PeriodSpec.week(zone, DayOfWeek.SUNDAY), PeriodSpec.calendar(PeriodKind.month, zone),
                        PeriodSpec.calendar(PeriodKind.year, zone), PeriodSpec.billingMonth(zone, 31))) {
                    // When walking 2026-2028 in 97-minute steps, which land on every minute-of-hour offset
                    for (Instant t = at("2026-01-01T00:00:00Z"); t.isBefore(at("2029-01-01T00:00:00Z")); t = t.plusSeconds(97 * 60)) {
                        PeriodWindow window = PeriodCalendar.windowAt(spec, t);

                        // Then the period contains the instant and meets its neighbours exactly
                        assertThat(window.contains(t)).as("%s %s at %s", zone, spec.kind(), t).isTrue();
                        assertThat(PeriodCalendar.next(spec, window).start()).isEqualTo(window.end());
                        assertThat(PeriodCalendar.previous(spec, window).end()).isEqualTo(window.start());
                        checked++;
                    }
                }
            }
            assertThat(checked).isEqualTo(zones.size() * 6 * 16_271);
        }
    }

    @Nested
    class Specs {
        @Test
        void shouldNameAnAnchorDayOutsideOneToThirtyOne() {
            // When / Then
            assertThatThrownBy(() -> PeriodSpec.billingMonth("UTC", 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("anchor_day must be 1..31, got 0");
            assertThatThrownBy(() -> PeriodSpec.billingMonth("UTC", 32)).hasMessage("anchor_day must be 1..31, got 32");
            assertThatThrownBy(() -> PeriodSpec.of(PeriodKind.billing_month, "UTC", null, null, null, null, null))
                    .hasMessage("anchor_day must be 1..31, got null");
        }

        @Test
        void shouldRefuseZonesThatAreNotIanaZones() {
            // When / Then
            assertThatThrownBy(() -> PeriodSpec.calendar(PeriodKind.day, "Mars/Base")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("time_zone 'Mars/Base' is not an IANA time zone");
            assertThatThrownBy(() -> PeriodSpec.calendar(PeriodKind.day, "-05:00"))
                    .as("a fixed offset would ignore daylight saving").hasMessage("time_zone '-05:00' is not an IANA time zone");
            assertThatThrownBy(() -> PeriodSpec.calendar(PeriodKind.day, "america/new_york"))
                    .hasMessage("time_zone 'america/new_york' is not an IANA time zone");
        }

        @Test
        void shouldRequirePositiveWholeMillisecondDurations() {
            // When / Then
            assertThatThrownBy(() -> PeriodSpec.rolling(null)).hasMessage("duration must be positive, got null");
            assertThatThrownBy(() -> PeriodSpec.rolling(Duration.ZERO)).hasMessage("duration must be positive, got PT0S");
            assertThatThrownBy(() -> PeriodSpec.rolling(Duration.ofSeconds(-60))).hasMessage("duration must be positive, got PT-1M");
            assertThatThrownBy(() -> PeriodSpec.rolling(Duration.ofNanos(1_500_000)))
                    .hasMessage("duration must be whole milliseconds, got PT0.0015S");
            assertThatThrownBy(() -> PeriodSpec.interval(Duration.ZERO, at("2026-11-01T00:00:00Z")))
                    .hasMessage("every must be positive, got PT0S");
        }

        @Test
        void shouldRequireAnAnchorForAnInterval() {
            // When / Then
            assertThatThrownBy(() -> PeriodSpec.interval(Duration.ofHours(6), null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("anchor is required for an interval period");
            assertThatThrownBy(() -> PeriodSpec.interval(Duration.ofHours(6), at("2026-11-01T00:00:00.000001Z")))
                    .hasMessage("anchor must be whole milliseconds, got 2026-11-01T00:00:00.000001Z");
        }

        @Test
        void shouldRequireAKindAndACalendarKindForACalendarPeriod() {
            // When / Then
            assertThatThrownBy(() -> PeriodSpec.of(null, "UTC", null, null, null, null, null)).hasMessage("kind is required");
            assertThatThrownBy(() -> PeriodSpec.calendar(PeriodKind.rolling, "UTC"))
                    .hasMessage("kind must be day, week, month or year for a calendar period, got rolling");
        }

        @Test
        void shouldDefaultToUtcAndMondayAndDropSettingsTheKindDoesNotUse() {
            // Given a day period carrying a week start, an anchor day and a bad duration it never uses
            PeriodSpec cluttered = PeriodSpec.of(PeriodKind.day, null, DayOfWeek.SUNDAY, 0, Duration.ZERO, null, null);

            // When / Then
            assertThat(cluttered).isEqualTo(PeriodSpec.calendar(PeriodKind.day, "UTC"));
            assertThat(cluttered.zone()).isEqualTo(ZoneId.of("UTC"));
            assertThat(PeriodSpec.calendar(PeriodKind.week, null).weekStart()).isEqualTo(DayOfWeek.MONDAY);
            assertThat(PeriodSpec.rolling(Duration.ofMinutes(1)).zone()).isNull();
        }

        @Test
        void shouldReadAStoredPolicyPeriod() {
            // Given stored periods as the policy topic carries them
            Period sundayWeeks = Period.newBuilder().setKind(PeriodKind.week).setTimeZone("America/New_York")
                    .setWeekStart(WeekDay.SUNDAY).build();
            Period sixHours = Period.newBuilder().setKind(PeriodKind.interval).setEveryMs(21_600_000L)
                    .setAnchor(at("2026-11-01T00:00:00Z")).build();
            Period badRolling = Period.newBuilder().setKind(PeriodKind.rolling).setDurationMs(0L).build();

            // When / Then
            assertThat(PeriodSpec.from(sundayWeeks)).isEqualTo(PeriodSpec.week("America/New_York", DayOfWeek.SUNDAY));
            assertThat(PeriodCalendar.windowAt(sixHours, at("2026-10-31T23:00:00Z")))
                    .isEqualTo(window("2026-10-31T18:00:00Z", "2026-11-01T00:00:00Z"));
            assertThatThrownBy(() -> PeriodCalendar.windowAt(badRolling, at("2026-11-20T00:00:00Z")))
                    .hasMessage("duration must be positive, got PT0S");
            assertThat(PeriodCalendar.isFixed(badRolling)).isFalse();
            assertThat(PeriodCalendar.isFixed(sundayWeeks)).isTrue();
        }
    }

    private static Instant at(String instant) {
        return Instant.parse(instant);
    }

    private static PeriodWindow window(String start, String end) {
        return new PeriodWindow(at(start), at(end));
    }
}
