package dev.usageledger.streams.rules;

import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;

/**
 * Which period of a policy contains an instant. Calendar periods are computed on the local
 * calendar of the policy's IANA time zone, so they start at local midnight whatever the offset
 * that day (a New York day is 23 hours on the spring-forward Sunday and 25 on the fall-back
 * one); a billing month starts on its anchor day, or on the last day of a month too short for
 * it; an interval counts fixed steps from its anchor, before it as well as after.
 */
public final class PeriodCalendar {
    private PeriodCalendar() {
    }

    /**
     * The period of {@code period} containing {@code at}.
     *
     * @throws IllegalArgumentException when the period is rolling (it has no fixed boundaries) or
     *     its settings are invalid; the message names the field
     */
    public static PeriodWindow windowAt(Period period, Instant at) {
        ZoneId zone = zone(period);
        return switch (period.getKind()) {
            case day -> local(at, zone, d -> d, d -> d.plusDays(1));
            case week -> {
                DayOfWeek first = period.getWeekStart() == null ? DayOfWeek.MONDAY : DayOfWeek.valueOf(period.getWeekStart().name());
                yield local(at, zone, d -> d.with(TemporalAdjusters.previousOrSame(first)), d -> d.plusWeeks(1));
            }
            case month -> local(at, zone, d -> d.withDayOfMonth(1), d -> d.plusMonths(1));
            case year -> local(at, zone, d -> d.withDayOfYear(1), d -> d.plusYears(1));
            case billing_month -> billingMonth(at, zone, anchorDay(period));
            case interval -> interval(period, at);
            case rolling -> throw new IllegalArgumentException("a rolling period has no fixed boundaries; use RollingWindow");
        };
    }

    /** The zone of a calendar period: UTC when none is given. */
    public static ZoneId zone(Period period) {
        if (period.getTimeZone() == null) {
            return ZoneOffset.UTC;
        }
        try {
            return ZoneId.of(period.getTimeZone());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("time_zone '" + period.getTimeZone() + "' is not an IANA time zone");
        }
    }

    private static PeriodWindow local(Instant at, ZoneId zone, java.util.function.UnaryOperator<LocalDate> first,
                                      java.util.function.UnaryOperator<LocalDate> next) {
        LocalDate start = first.apply(LocalDate.ofInstant(at, zone));
        return new PeriodWindow(start.atStartOfDay(zone).toInstant(), next.apply(start).atStartOfDay(zone).toInstant());
    }

    private static PeriodWindow billingMonth(Instant at, ZoneId zone, int anchorDay) {
        LocalDate date = LocalDate.ofInstant(at, zone);
        LocalDate start = cycleStart(date.withDayOfMonth(1), anchorDay);
        if (date.isBefore(start)) {
            start = cycleStart(date.withDayOfMonth(1).minusMonths(1), anchorDay);
        }
        LocalDate end = cycleStart(start.withDayOfMonth(1).plusMonths(1), anchorDay);
        return new PeriodWindow(start.atStartOfDay(zone).toInstant(), end.atStartOfDay(zone).toInstant());
    }

    private static LocalDate cycleStart(LocalDate firstOfMonth, int anchorDay) {
        return firstOfMonth.withDayOfMonth(Math.min(anchorDay, firstOfMonth.lengthOfMonth()));
    }

    private static PeriodWindow interval(Period period, Instant at) {
        if (period.getEveryMs() == null || period.getEveryMs() <= 0) {
            throw new IllegalArgumentException("an interval period needs every > 0, got " + period.getEveryMs());
        }
        if (period.getAnchor() == null) {
            throw new IllegalArgumentException("an interval period needs an anchor instant");
        }
        long every = period.getEveryMs();
        long anchor = period.getAnchor().toEpochMilli();
        long start = anchor + Math.floorDiv(at.toEpochMilli() - anchor, every) * every;
        return new PeriodWindow(Instant.ofEpochMilli(start), Instant.ofEpochMilli(start + every));
    }

    private static int anchorDay(Period period) {
        Integer day = period.getAnchorDay();
        if (day == null || day < 1 || day > 31) {
            throw new IllegalArgumentException("anchor_day must be 1..31, got " + day);
        }
        return day;
    }

    /** Whether the period has fixed boundaries (everything but rolling windows). */
    public static boolean isFixed(Period period) {
        return period.getKind() != PeriodKind.rolling;
    }
}
