package dev.usageledger.query.http;

import java.time.Duration;

/**
 * Bounds of one ingest batch ({@code POST /v1/events} and {@code /v1/ingest/litellm}), how far
 * ahead of the server's clock an event may be dated, and which LiteLLM metadata field names the
 * tenant when an admin token sends LiteLLM's payloads.
 */
public record IngestSettings(int maxBodyBytes, int maxEvents, Duration maxFutureSkew, String liteLlmTenantField) {
}
