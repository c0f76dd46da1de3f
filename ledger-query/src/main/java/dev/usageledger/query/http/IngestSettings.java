package dev.usageledger.query.http;

import java.time.Duration;

/** Bounds of one {@code POST /v1/events} batch, and how far ahead of the server's clock an event may be dated. */
public record IngestSettings(int maxBodyBytes, int maxEvents, Duration maxFutureSkew) {
}
