package dev.usageledger.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UsageEventsTest {

    @Test
    void shouldMakeVersion7IdsThatSortByTime() {
        Instant t = Instant.parse("2026-11-20T12:00:00Z");
        UUID earlier = UsageEvents.uuidV7(t);
        UUID later = UsageEvents.uuidV7(t.plusMillis(1));

        assertThat(earlier.version()).isEqualTo(7);
        assertThat(earlier.variant()).isEqualTo(2);
        assertThat(earlier.getMostSignificantBits() >>> 16).isEqualTo(t.toEpochMilli());
        assertThat(earlier.toString().compareTo(later.toString())).isNegative();
        assertThat(UsageEvents.uuidV7(t)).isNotEqualTo(earlier);
    }
}
