package dev.usageledger.streams.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.streams.errors.PartialWriteException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

class EventChangesTest {
    private final MockProcessorContext<String, Object> context = new MockProcessorContext<>();
    private final List<String> made = new ArrayList<>();

    @Test
    void shouldMakeEveryWriteThenSendEveryRecord() {
        EventChanges changes = new EventChanges();
        changes.send("breaches-sink", new Record<>("acme", "breach", 1L));
        changes.write(() -> made.add("totals"));
        changes.write(() -> made.add("counter"));

        assertThat(made).as("nothing is made before apply").isEmpty();
        assertThat(context.forwarded()).isEmpty();
        changes.apply(context);

        assertThat(made).containsExactly("totals", "counter");
        assertThat(context.forwarded()).singleElement().satisfies(f -> {
            assertThat(f.childName()).contains("breaches-sink");
            assertThat(f.record().value()).isEqualTo("breach");
        });
    }

    @Test
    void shouldLetAFailureBeforeAnythingWasMadeThroughAsItIs() {
        EventChanges changes = new EventChanges();
        changes.write(() -> {
            throw new IllegalStateException("store closed");
        });
        changes.write(() -> made.add("never"));

        assertThatThrownBy(() -> changes.apply(context)).isInstanceOf(IllegalStateException.class);
        assertThat(made).isEmpty();
    }

    @Test
    void shouldTurnAFailureAfterTheFirstWriteIntoAPartialWrite() {
        EventChanges changes = new EventChanges();
        changes.write(() -> made.add("dedupe mark"));
        changes.write(() -> {
            throw new IllegalStateException("disk full");
        });
        changes.send("breaches-sink", new Record<>("acme", "breach", 1L));

        assertThatThrownBy(() -> changes.apply(context)).isInstanceOf(PartialWriteException.class)
                .hasMessageContaining("after 1 of 3").hasRootCauseMessage("disk full");
        assertThat(context.forwarded()).as("nothing is sent after a failed write").isEmpty();
    }
}
