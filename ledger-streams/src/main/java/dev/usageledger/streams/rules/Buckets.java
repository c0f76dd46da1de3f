package dev.usageledger.streams.rules;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * The UTC buckets an instant falls in. Reporting in another time zone adds up hour buckets (or
 * day buckets for whole-day zones), so totals are kept once, in UTC.
 */
public final class Buckets {
    public static final long MINUTE_MS = 60_000L;
    /** Every zone's offset from UTC today is a multiple of it. */
    public static final long QUARTER_MS = 900_000L;
    public static final long HOUR_MS = 3_600_000L;
    public static final long DAY_MS = 86_400_000L;

    private Buckets() {
    }

    public static long minute(long epochMillis) {
        return Math.floorDiv(epochMillis, MINUTE_MS) * MINUTE_MS;
    }

    public static long quarter(long epochMillis) {
        return Math.floorDiv(epochMillis, QUARTER_MS) * QUARTER_MS;
    }

    public static long hour(long epochMillis) {
        return Math.floorDiv(epochMillis, HOUR_MS) * HOUR_MS;
    }

    public static long day(long epochMillis) {
        return Math.floorDiv(epochMillis, DAY_MS) * DAY_MS;
    }

    /** The UTC month, e.g. {@code 2026-11}. */
    public static String month(long epochMillis) {
        return YearMonth.from(Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC)).toString();
    }
}
