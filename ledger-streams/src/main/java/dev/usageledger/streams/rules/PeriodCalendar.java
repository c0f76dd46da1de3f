package dev.usageledger.streams.rules;

import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.function.UnaryOperator;

/**
 * Which period contains an instant; every period is half-open, {@code [start, end)}.
 *
 * <p>Calendar periods (day, week, month, year, billing month) are cut on the local calendar of
 * the spec's IANA zone and start at the first instant of their first local day, whatever the
 * offset that day: a New York day is 23 hours on the spring-forward Sunday and 25 on the fall-back
 * one, and where clocks skip midnight (Santiago, Havana) the day starts when they land. A billing
 * month starts on its anchor day, or on the last day of a month too short for it, and ends where
 * the next cycle starts. An interval counts fixed steps from its anchor, before it as well as after.
 *
 * <p>A rolling window is not a period but the span that counts as "the last D" at an instant
 * {@code t}: usage with {@code t - D < occurred_at <= t}, which at the ledger's millisecond
 * resolution is {@code [t - D + 1 ms, t + 1 ms)}. The usage at {@code t} itself counts (a call that
 * just happened is part of the rate), and usage exactly {@code D} old no longer does, so the window
 * holds exactly {@code D} worth of milliseconds. {@link RollingWindow} counts the same span, in sub-buckets.
 */
public final class PeriodCalendar {
    private PeriodCalendar() {
    }

    /** The period of {@code spec} containing {@code at}; for a rolling spec, the window ending at {@code at}. */
    public static PeriodWindow windowAt(PeriodSpec spec, Instant at) {
        return switch (spec.kind()) {
            case day -> local(at, spec.zone(), d -> d, d -> d.plusDays(1));
            case week -> {
                DayOfWeek first = spec.weekStart();
                yield local(at, spec.zone(), d -> d.with(TemporalAdjusters.previousOrSame(first)), d -> d.plusWeeks(1));
            }
            case month -> local(at, spec.zone(), d -> d.withDayOfMonth(1), d -> d.plusMonths(1));
            case year -> local(at, spec.zone(), d -> d.withDayOfYear(1), d -> d.plusYears(1));
            case billing_month -> billingMonth(at, spec.zone(), spec.anchorDay());
            case rolling -> rolling(at, spec.duration().toMillis());
            case interval -> interval(at, spec.every().toMillis(), spec.anchor().toEpochMilli());
        };
    }

    /**
     * The period of a stored policy containing {@code at}.
     *
     * @throws IllegalArgumentException when the period's settings are invalid; the message names the field
     */
    public static PeriodWindow windowAt(Period period, Instant at) {
        return windowAt(PeriodSpec.from(period), at);
    }

    /** The period right after {@code current}, which must be a period of {@code spec}. */
    public static PeriodWindow next(PeriodSpec spec, PeriodWindow current) {
        return windowAt(requireFixed(spec), current.end());
    }

    /** The period right before {@code current}, which must be a period of {@code spec}. */
    public static PeriodWindow previous(PeriodSpec spec, PeriodWindow current) {
        return windowAt(requireFixed(spec), current.start().minusNanos(1));
    }

    /** Whether the period has fixed boundaries (everything but rolling windows). */
    public static boolean isFixed(Period period) {
        return period.getKind() != PeriodKind.rolling;
    }

    private static PeriodWindow local(Instant at, ZoneId zone, UnaryOperator<LocalDate> first, UnaryOperator<LocalDate> next) {
        LocalDate start = first.apply(LocalDate.ofInstant(at, zone));
        return between(start, next.apply(start), zone);
    }

    private static PeriodWindow billingMonth(Instant at, ZoneId zone, int anchorDay) {
        LocalDate date = LocalDate.ofInstant(at, zone);
        LocalDate start = cycleStart(date.withDayOfMonth(1), anchorDay);
        if (date.isBefore(start)) {
            start = cycleStart(date.withDayOfMonth(1).minusMonths(1), anchorDay);
        }
        return between(start, cycleStart(start.withDayOfMonth(1).plusMonths(1), anchorDay), zone);
    }

    private static LocalDate cycleStart(LocalDate firstOfMonth, int anchorDay) {
        return firstOfMonth.withDayOfMonth(Math.min(anchorDay, firstOfMonth.lengthOfMonth()));
    }

    // atStartOfDay, not atTime(MIDNIGHT): where clocks skip midnight it gives the first instant of the day.
    private static PeriodWindow between(LocalDate first, LocalDate next, ZoneId zone) {
        return new PeriodWindow(first.atStartOfDay(zone).toInstant(), next.atStartOfDay(zone).toInstant());
    }

    private static PeriodWindow rolling(Instant at, long durationMs) {
        Instant end = at.truncatedTo(ChronoUnit.MILLIS).plusMillis(1);
        return new PeriodWindow(end.minusMillis(durationMs), end);
    }

    private static PeriodWindow interval(Instant at, long everyMs, long anchorMs) {
        // floorDiv, so an instant before the anchor falls in the step that ends at or before the anchor.
        long steps = Math.floorDiv(Math.subtractExact(at.toEpochMilli(), anchorMs), everyMs);
        long start = Math.addExact(anchorMs, Math.multiplyExact(steps, everyMs));
        return new PeriodWindow(Instant.ofEpochMilli(start), Instant.ofEpochMilli(Math.addExact(start, everyMs)));
    }

    private static PeriodSpec requireFixed(PeriodSpec spec) {
        if (!spec.isFixed()) {
            throw new IllegalArgumentException("a rolling window slides with each instant; it has no next or previous period");
        }
        return spec;
    }
}
