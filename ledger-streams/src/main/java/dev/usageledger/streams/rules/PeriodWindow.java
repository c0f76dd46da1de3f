package dev.usageledger.streams.rules;

import java.time.Instant;

/** A half-open span of time, {@code [start, end)}: a period that contains {@code start} and not {@code end}. */
public record PeriodWindow(Instant start, Instant end) {
    public PeriodWindow {
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("a period must end after it starts: [" + start + ", " + end + ")");
        }
    }

    public boolean contains(Instant at) {
        return !at.isBefore(start) && at.isBefore(end);
    }
}
