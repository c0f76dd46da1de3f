package dev.usageledger.streams.model;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Usage summed over one scope and one time bucket. Every amount is an exact integer: cost in
 * micro-units, tokens and requests in units, latency as a sum of milliseconds over the
 * {@code latencyEvents} events that reported one.
 */
public record Totals(long costMicros, long inputTokens, long outputTokens, long cachedInputTokens, long reasoningTokens,
                     long requests, long events, long errors, long unpriced, long latencyMsSum, long latencyEvents) {
    /** Bytes of the store layout. */
    public static final int BYTES = 11 * Long.BYTES;

    public static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

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
                Math.addExact(latencyMsSum, event.getLatencyMs() == null ? 0 : event.getLatencyMs()),
                latencyEvents + (event.getLatencyMs() == null ? 0 : 1));
    }

    /** The sum of two totals. */
    public Totals plus(Totals other) {
        return new Totals(Math.addExact(costMicros, other.costMicros), Math.addExact(inputTokens, other.inputTokens),
                Math.addExact(outputTokens, other.outputTokens), Math.addExact(cachedInputTokens, other.cachedInputTokens),
                Math.addExact(reasoningTokens, other.reasoningTokens), Math.addExact(requests, other.requests),
                events + other.events, errors + other.errors, unpriced + other.unpriced,
                Math.addExact(latencyMsSum, other.latencyMsSum), latencyEvents + other.latencyEvents);
    }

    /**
     * A fixed 88-byte layout for the stores; an 80-byte value (written before latencyEvents was
     * kept) reads with latencyEvents 0.
     */
    public static Serde<Totals> serde() {
        Serializer<Totals> serializer = (topic, t) -> {
            if (t == null) {
                return null;
            }
            ByteBuffer b = ByteBuffer.allocate(BYTES);
            t.write(b);
            return b.array();
        };
        Deserializer<Totals> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(bytes);
            return read(b);
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    /** Reads one value of the store layout from {@code b}: 88 bytes, or 80 when that is all there is. */
    public static Totals read(ByteBuffer b) {
        return new Totals(b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong(),
                b.getLong(), b.getLong(), b.getLong(), b.remaining() >= Long.BYTES ? b.getLong() : 0);
    }

    /** Writes this in the store layout to {@code b}. */
    public void write(ByteBuffer b) {
        b.putLong(costMicros).putLong(inputTokens).putLong(outputTokens).putLong(cachedInputTokens).putLong(reasoningTokens)
                .putLong(requests).putLong(events).putLong(errors).putLong(unpriced).putLong(latencyMsSum).putLong(latencyEvents);
    }
}
