package dev.usageledger.streams.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class PolicyCounterTest {
    private final Serde<PolicyCounter> serde = PolicyCounter.serde();

    @Test
    void shouldReadACounterWrittenBeforeTheLatePartExistedAsLateZero() {
        // used 700, period end 1,000, thresholds [50, 80]: the layout counters had before late adjustments
        byte[] old = ByteBuffer.allocate(28).putLong(700).putLong(1_000).putInt(2).putInt(50).putInt(80).array();

        PolicyCounter read = serde.deserializer().deserialize("t", old);

        assertThat(read).isEqualTo(new PolicyCounter(700, new int[] {50, 80}, 1_000, 0));
    }

    @Test
    void shouldWriteACounterWithoutLateUsageAsBeforeAndOneWithItWholly() {
        PolicyCounter plain = PolicyCounter.zero(1_000).plus(700).withCrossed(50);
        PolicyCounter adjusted = plain.plusLate(300);

        assertThat(serde.serializer().serialize("t", plain)).hasSize(24);
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", adjusted)))
                .isEqualTo(new PolicyCounter(1_000, new int[] {50}, 1_000, 300));
    }
}
