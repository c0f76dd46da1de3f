package dev.usageledger.query.http;

import java.time.Clock;
import java.time.Duration;

/**
 * The HTTP layer's bounds: the largest body read, how long a read waits for the caller's own
 * write ({@code min_offset}), how long a policy or price write waits to be in force, and how
 * long a forwarded request may take, and the default and longest life of a hold. The clock is the service's notion of "now" for checks.
 * {@code defaultWarnPct} is the soft limit a limited policy gets when it sets none (0: none).
 */
public record ApiSettings(int maxBodyBytes, Duration readWait, Duration bookWait, Duration forwardTimeout, Duration holdTtl,
                          Duration holdTtlMax, Clock clock, int defaultWarnPct) {
}
