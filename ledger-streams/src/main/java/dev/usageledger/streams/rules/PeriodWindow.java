package dev.usageledger.streams.rules;

import java.time.Instant;
import java.util.Objects;

/**
 * A half-open span of time, {@code [start, end)}: it contains {@code start} and not {@code end},
 * so consecutive periods tile the timeline and every instant belongs to exactly one of them.
 */
public record PeriodWindow(Instant start, Instant end) {
    public PeriodWindow {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("a period must end after it starts: [" + start + ", " + end + ")");
        }
    }

    /** Whether {@code at} lies in {@code [start, end)}. */
    public boolean contains(Instant at) {
        return !at.isBefore(start) && at.isBefore(end);
    }
}
