package dev.usageledger.streams.rules;

import dev.usageledger.schemas.avro.Period;
import dev.usageledger.schemas.avro.PeriodKind;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Set;

/**
 * A validated period definition: what {@link PeriodCalendar} needs to cut time into periods.
 *
 * <ul>
 *   <li>{@code day}, {@code week}, {@code month}, {@code year}: the local calendar of {@code zone}
 *       (UTC when absent); weeks start on {@code weekStart} (Monday when absent).</li>
 *   <li>{@code billing_month}: monthly cycles starting on {@code anchorDay} (1..31) in
 *       {@code zone}, on the last day of a month too short for it.</li>
 *   <li>{@code rolling}: the last {@code duration}.</li>
 *   <li>{@code interval}: steps of {@code every} counted from {@code anchor}.</li>
 * </ul>
 *
 * Settings a kind does not use are dropped, so a spec holds exactly what decides its periods and
 * two policies with the same period compare equal whatever stray settings they carry. Durations
 * and the anchor are whole milliseconds because event times are. Invalid settings throw an
 * {@link IllegalArgumentException} whose message starts with the API's name for the field.
 */
public record PeriodSpec(PeriodKind kind, ZoneId zone, DayOfWeek weekStart, Integer anchorDay, Duration duration,
                         Duration every, Instant anchor) {
    private static final ZoneId UTC = ZoneId.of("UTC");
    // Taken once: ZoneId.getAvailableZoneIds() copies the whole set on every call.
    private static final Set<String> IANA_ZONES = Set.copyOf(ZoneId.getAvailableZoneIds());

    public PeriodSpec {
        if (kind == null) {
            throw new IllegalArgumentException("kind is required");
        }
        zone = usesZone(kind) ? (zone == null ? UTC : zone) : null;
        weekStart = kind == PeriodKind.week ? (weekStart == null ? DayOfWeek.MONDAY : weekStart) : null;
        anchorDay = kind == PeriodKind.billing_month ? requireAnchorDay(anchorDay) : null;
        duration = kind == PeriodKind.rolling ? requireStep("duration", duration) : null;
        every = kind == PeriodKind.interval ? requireStep("every", every) : null;
        anchor = kind == PeriodKind.interval ? requireAnchor(anchor) : null;
    }

    /**
     * The validating factory for settings as a client writes them: {@code timeZone} must be an
     * IANA zone id such as {@code America/New_York} or {@code UTC}; null settings take their
     * defaults or, when the kind needs them, are refused.
     */
    public static PeriodSpec of(PeriodKind kind, String timeZone, DayOfWeek weekStart, Integer anchorDay,
                                Duration duration, Duration every, Instant anchor) {
        ZoneId zone = kind != null && usesZone(kind) ? ianaZone(timeZone) : null;
        return new PeriodSpec(kind, zone, weekStart, anchorDay, duration, every, anchor);
    }

    /** A day, week (starting Monday), month or year in {@code timeZone}. */
    public static PeriodSpec calendar(PeriodKind kind, String timeZone) {
        if (kind == PeriodKind.billing_month || kind == PeriodKind.rolling || kind == PeriodKind.interval) {
            throw new IllegalArgumentException("kind must be day, week, month or year for a calendar period, got " + kind);
        }
        return of(kind, timeZone, null, null, null, null, null);
    }

    /** Weeks in {@code timeZone} starting on {@code weekStart}. */
    public static PeriodSpec week(String timeZone, DayOfWeek weekStart) {
        return of(PeriodKind.week, timeZone, weekStart, null, null, null, null);
    }

    /** Billing months in {@code timeZone} starting on {@code anchorDay}. */
    public static PeriodSpec billingMonth(String timeZone, int anchorDay) {
        return of(PeriodKind.billing_month, timeZone, null, anchorDay, null, null, null);
    }

    /** The last {@code duration}. */
    public static PeriodSpec rolling(Duration duration) {
        return of(PeriodKind.rolling, null, null, null, duration, null, null);
    }

    /** Steps of {@code every} from {@code anchor}. */
    public static PeriodSpec interval(Duration every, Instant anchor) {
        return of(PeriodKind.interval, null, null, null, null, every, anchor);
    }

    /** The spec of a stored policy's period. */
    public static PeriodSpec from(Period period) {
        DayOfWeek weekStart = period.getWeekStart() == null ? null : DayOfWeek.valueOf(period.getWeekStart().name());
        return of(period.getKind(), period.getTimeZone(), weekStart, period.getAnchorDay(), ofMillis(period.getDurationMs()),
                ofMillis(period.getEveryMs()), period.getAnchor());
    }

    /** Whether the periods have fixed boundaries: all kinds but rolling, which slides with each instant. */
    public boolean isFixed() {
        return kind != PeriodKind.rolling;
    }

    private static boolean usesZone(PeriodKind kind) {
        return kind != PeriodKind.rolling && kind != PeriodKind.interval;
    }

    private static ZoneId ianaZone(String timeZone) {
        if (timeZone == null) {
            return UTC;
        }
        // ZoneId.of also takes fixed offsets ("-05:00"), which would silently ignore daylight saving.
        if (!IANA_ZONES.contains(timeZone)) {
            throw new IllegalArgumentException("time_zone '" + timeZone + "' is not an IANA time zone");
        }
        return ZoneId.of(timeZone);
    }

    private static Integer requireAnchorDay(Integer anchorDay) {
        if (anchorDay == null || anchorDay < 1 || anchorDay > 31) {
            throw new IllegalArgumentException("anchor_day must be 1..31, got " + anchorDay);
        }
        return anchorDay;
    }

    private static Duration requireStep(String field, Duration step) {
        if (step == null || step.isNegative() || step.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, got " + step);
        }
        if (!step.truncatedTo(ChronoUnit.MILLIS).equals(step)) {
            throw new IllegalArgumentException(field + " must be whole milliseconds, got " + step);
        }
        try {
            step.toMillis();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(field + " is too long, got " + step, e);
        }
        return step;
    }

    private static Instant requireAnchor(Instant anchor) {
        if (anchor == null) {
            throw new IllegalArgumentException("anchor is required for an interval period");
        }
        if (!anchor.truncatedTo(ChronoUnit.MILLIS).equals(anchor)) {
            throw new IllegalArgumentException("anchor must be whole milliseconds, got " + anchor);
        }
        try {
            anchor.toEpochMilli();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("anchor is out of range, got " + anchor, e);
        }
        return anchor;
    }

    private static Duration ofMillis(Long millis) {
        return millis == null ? null : Duration.ofMillis(millis);
    }
}
