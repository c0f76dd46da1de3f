package dev.usageledger.query.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class SeedMemoTest {
    private final Progress progress = new Progress();
    private final SeedMemo memo = new SeedMemo(progress);
    private final AtomicInteger reads = new AtomicInteger();
    private long totals = 40;

    private final LongSupplier readTotals = () -> {
        reads.incrementAndGet();
        return totals;
    };

    @Test
    void shouldReadTheTotalsEveryTimeUntilThePartitionHasSettledOnTheBook() {
        // Given a policy just applied, and one record applied since (it may have used the old book)
        progress.recordApplied(0, 0, 1_000);
        progress.policyApplied("p");
        progress.recordApplied(0, 1, 1_001);

        // When the seed is read twice, the totals changing in between (that in-flight record)
        assertThat(memo.seed(0, "k", readTotals)).isEqualTo(40);
        totals = 45;

        // Then nothing was remembered
        assertThat(memo.seed(0, "k", readTotals)).isEqualTo(45);
        assertThat(reads).hasValue(2);
    }

    @Test
    void shouldRememberASeedReadAfterTwoRecordsUntilTheBookChanges() {
        // Given two records applied since the last book change
        progress.policyApplied("p");
        progress.recordApplied(0, 0, 1_000);
        progress.recordApplied(0, 1, 1_001);

        // Then the seed is read once and remembered
        assertThat(memo.seed(0, "k", readTotals)).isEqualTo(40);
        assertThat(memo.seed(0, "k", readTotals)).isEqualTo(40);
        assertThat(reads).hasValue(1);

        // When a price or policy changes, it is read again (and not kept until the partition settles again)
        progress.priceApplied("openai/gpt");
        totals = 50;
        assertThat(memo.seed(0, "k", readTotals)).isEqualTo(50);
        assertThat(memo.seed(0, "k", readTotals)).isEqualTo(50);
        assertThat(reads).hasValue(3);
    }

    @Test
    void shouldJudgeEachPartitionByItsOwnRecords() {
        progress.recordApplied(0, 0, 1_000);
        progress.recordApplied(1, 0, 1_000);
        progress.policyApplied("p");
        progress.recordApplied(0, 1, 1_001);
        progress.recordApplied(0, 2, 1_002);

        assertThat(progress.settledSinceBookChange(0)).isTrue();
        assertThat(progress.settledSinceBookChange(1)).isFalse();
        assertThat(progress.settledSinceBookChange(7)).isFalse();
    }
}
