package dev.usageledger.cli.dev;

import java.util.List;

/**
 * The dev stack's sample data: list prices of a few real models (micro-units per million
 * tokens, as their providers published them in 2025; check your own contract before relying on
 * them) and, per sample tenant, a monthly budget, a daily budget for each user and a per-minute
 * request limit for each API key.
 */
final class Samples {
    static final List<String> TENANTS = List.of("acme", "globex");

    /** provider, model, input, cached input, output. */
    record Price(String provider, String model, long input, long cachedInput, long output) {
        String json() {
            return "{\"effective_from\": \"2025-01-01T00:00:00Z\", \"currency\": \"USD\", \"input_micros_per_mtok\": " + input
                    + ", \"cached_input_micros_per_mtok\": " + cachedInput + ", \"output_micros_per_mtok\": " + output + "}";
        }
    }

    static final List<Price> PRICES = List.of(
            new Price("openai", "gpt-4.1", 2_000_000, 500_000, 8_000_000),
            new Price("openai", "gpt-4.1-mini", 400_000, 100_000, 1_600_000),
            new Price("anthropic", "claude-sonnet-4", 3_000_000, 300_000, 15_000_000),
            new Price("anthropic", "claude-3-5-haiku", 800_000, 80_000, 4_000_000),
            new Price("google", "gemini-2.5-flash", 300_000, 75_000, 2_500_000));

    private Samples() {
    }

    /** Policy id and body of each sample policy of {@code tenant}. */
    static List<String[]> policies(String tenant) {
        return List.of(
                new String[] {tenant + "-month-cost", "{\"tenant_id\": \"" + tenant + "\", \"subject\": {\"type\": \"tenant\", \"id\": \""
                        + tenant + "\"}, \"metric\": \"cost_micros\", \"limit\": 500000000, \"period\": {\"kind\": \"month\","
                        + " \"time_zone\": \"UTC\"}, \"soft_limit_pct\": 80}"},
                new String[] {tenant + "-user-day-cost", "{\"tenant_id\": \"" + tenant + "\", \"subject\": {\"type\": \"user\", \"id\": \"*\"},"
                        + " \"metric\": \"cost_micros\", \"limit\": 5000000, \"period\": {\"kind\": \"day\", \"time_zone\": \"America/New_York\"},"
                        + " \"thresholds\": [50, 80, 100]}"},
                new String[] {tenant + "-key-rpm", "{\"tenant_id\": \"" + tenant + "\", \"subject\": {\"type\": \"api_key\", \"id\": \"*\"},"
                        + " \"metric\": \"requests\", \"limit\": 600, \"period\": {\"kind\": \"rolling\", \"duration\": \"PT1M\"}}"});
    }
}
