package dev.usageledger.streams.model;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One policy's usage for one member in one period, and the thresholds (percent) whose breach
 * was already emitted: kept in the same store write as the count, so exactly-once makes "emitted
 * once" hold across crashes and replays. {@code periodEndMillis} lets expired counters go.
 * {@code late} is the part of {@code used} that is late usage of an earlier, closed period, added to
 * this one as an adjustment (ADR 0002).
 */
public record PolicyCounter(long used, int[] crossed, long periodEndMillis, long late) {

    /** A counter at zero for a period ending at {@code periodEndMillis}. */
    public static PolicyCounter zero(long periodEndMillis) {
        return new PolicyCounter(0, new int[0], periodEndMillis, 0);
    }

    public boolean hasCrossed(int threshold) {
        for (int t : crossed) {
            if (t == threshold) {
                return true;
            }
        }
        return false;
    }

    public PolicyCounter plus(long amount) {
        return new PolicyCounter(Math.addExact(used, amount), crossed, periodEndMillis, late);
    }

    /** Plus {@code amount} of late usage from a closed period: counted, and kept apart as the adjustment it is. */
    public PolicyCounter plusLate(long amount) {
        return new PolicyCounter(Math.addExact(used, amount), crossed, periodEndMillis, Math.addExact(late, amount));
    }

    /** Plus {@code amount}, held at {@link Long#MAX_VALUE} rather than overflowing (a non-negative amount). */
    public PolicyCounter plusSaturating(long amount) {
        long sum = used + amount;
        return new PolicyCounter(sum < used ? Long.MAX_VALUE : sum, crossed, periodEndMillis, late);
    }

    public PolicyCounter withCrossed(int threshold) {
        int[] more = Arrays.copyOf(crossed, crossed.length + 1);
        more[crossed.length] = threshold;
        Arrays.sort(more);
        return new PolicyCounter(used, more, periodEndMillis, late);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PolicyCounter c && c.used == used && Arrays.equals(c.crossed, crossed)
                && c.periodEndMillis == periodEndMillis && c.late == late;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(used) * 31 + Arrays.hashCode(crossed);
    }

    @Override
    public String toString() {
        return "PolicyCounter[used=" + used + ", crossed=" + Arrays.toString(crossed) + ", periodEnd=" + periodEndMillis + ", late=" + late + "]";
    }

    /**
     * Used, period end, the crossed thresholds (count, then each), and the late part last: a counter
     * written before the late part existed ends after the thresholds and reads as late 0.
     */
    public static Serde<PolicyCounter> serde() {
        Serializer<PolicyCounter> serializer = (topic, c) -> {
            if (c == null) {
                return null;
            }
            ByteBuffer buffer = ByteBuffer.allocate(2 * Long.BYTES + Integer.BYTES * (1 + c.crossed.length) + (c.late == 0 ? 0 : Long.BYTES))
                    .putLong(c.used).putLong(c.periodEndMillis).putInt(c.crossed.length);
            for (int t : c.crossed) {
                buffer.putInt(t);
            }
            if (c.late != 0) {
                buffer.putLong(c.late);
            }
            return buffer.array();
        };
        Deserializer<PolicyCounter> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long used = buffer.getLong();
            long periodEnd = buffer.getLong();
            int[] crossed = new int[buffer.getInt()];
            for (int i = 0; i < crossed.length; i++) {
                crossed[i] = buffer.getInt();
            }
            return new PolicyCounter(used, crossed, periodEnd, buffer.remaining() >= Long.BYTES ? buffer.getLong() : 0);
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
