package dev.usageledger.streams.model;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Usage summed over one scope and one time bucket. Every amount is an exact integer: cost in
 * micro-units, tokens and requests in units, latency as a sum of milliseconds.
 */
public record Totals(long costMicros, long inputTokens, long outputTokens, long cachedInputTokens, long reasoningTokens,
                     long requests, long events, long errors, long unpriced, long latencyMsSum) {
    private static final int SIZE = 10 * Long.BYTES;

    public static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** These totals plus one rated event; overflow is an error, never a wrap-around. */
    public Totals plus(RatedUsage usage) {
        var event = usage.event();
        return new Totals(
                Math.addExact(costMicros, usage.costMicros()),
                Math.addExact(inputTokens, event.getInputTokens()),
                Math.addExact(outputTokens, event.getOutputTokens()),
                Math.addExact(cachedInputTokens, event.getCachedInputTokens()),
                Math.addExact(reasoningTokens, event.getReasoningTokens()),
                Math.addExact(requests, event.getRequests()),
                events + 1,
                errors + (event.getStatus() == dev.usageledger.schemas.avro.UsageStatus.error ? 1 : 0),
                unpriced + (usage.unpriced() ? 1 : 0),
                Math.addExact(latencyMsSum, event.getLatencyMs() == null ? 0 : event.getLatencyMs()));
    }

    /** The sum of two totals. */
    public Totals plus(Totals other) {
        return new Totals(Math.addExact(costMicros, other.costMicros), Math.addExact(inputTokens, other.inputTokens),
                Math.addExact(outputTokens, other.outputTokens), Math.addExact(cachedInputTokens, other.cachedInputTokens),
                Math.addExact(reasoningTokens, other.reasoningTokens), Math.addExact(requests, other.requests),
                events + other.events, errors + other.errors, unpriced + other.unpriced,
                Math.addExact(latencyMsSum, other.latencyMsSum));
    }

    /** A fixed 80-byte layout for the stores. */
    public static Serde<Totals> serde() {
        Serializer<Totals> serializer = (topic, t) -> t == null ? null : ByteBuffer.allocate(SIZE)
                .putLong(t.costMicros).putLong(t.inputTokens).putLong(t.outputTokens).putLong(t.cachedInputTokens)
                .putLong(t.reasoningTokens).putLong(t.requests).putLong(t.events).putLong(t.errors).putLong(t.unpriced)
                .putLong(t.latencyMsSum).array();
        Deserializer<Totals> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(bytes);
            return new Totals(b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong(),
                    b.getLong(), b.getLong(), b.getLong());
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
