package dev.usageledger.streams.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdFilterTest {
    @Test
    void shouldNeverForgetAnAddedIdAndRarelyClaimAnOther() {
        IdFilter filter = new IdFilter(100_000);
        for (int i = 0; i < 100_000; i++) {
            filter.add("acme\u0000ev-" + i);
        }
        for (int i = 0; i < 100_000; i++) {
            assertThat(filter.mightContain("acme\u0000ev-" + i)).as("ev-" + i).isTrue();
        }
        int falsePositives = 0;
        for (int i = 0; i < 100_000; i++) {
            if (filter.mightContain("globex\u0000ev-" + i)) {
                falsePositives++;
            }
        }
        assertThat(falsePositives).as("false positives in 100,000 ids never added, at capacity").isBetween(1, 2_000);
        assertThat(filter.full()).isFalse();
        filter.add("one more");
        assertThat(filter.full()).isTrue();
    }
}
