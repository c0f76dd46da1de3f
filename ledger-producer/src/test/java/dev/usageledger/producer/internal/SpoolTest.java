package dev.usageledger.producer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.producer.SpoolFullException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    private static final String SCHEMA = "{\"type\":\"string\"}";

    @TempDir
    Path dir;

    @Test
    void shouldGiveBackEventsInTheOrderTheyWereAppended() {
        try (Spool spool = new Spool(dir, 1 << 20, true, SCHEMA)) {
            spool.append(bytes("a"), 1_000, Duration.ZERO);
            spool.append(bytes("b"), 2_000, Duration.ZERO);

            Spool.Segment segment = spool.oldest().orElseThrow();

            assertThat(segment.entries()).extracting(e -> new String(e.bytes(), StandardCharsets.UTF_8)).containsExactly("a", "b");
            assertThat(segment.writerSchema()).isEqualTo(SCHEMA);
            assertThat(spool.depth()).isEqualTo(2);
            assertThat(spool.oldestSpooledAtMillis()).isEqualTo(1_000);
            spool.delete(segment);
            assertThat(spool.isEmpty()).isTrue();
            assertThat(spool.oldest()).isEmpty();
        }
    }

    @Test
    void shouldKeepEventsAcrossAReopen() {
        try (Spool spool = new Spool(dir, 1 << 20, false, SCHEMA)) {
            spool.append(bytes("kept-1"), 1_000, Duration.ZERO);
            spool.append(bytes("kept-2"), 1_001, Duration.ZERO);
        }
        try (Spool reopened = new Spool(dir, 1 << 20, false, SCHEMA)) {
            assertThat(reopened.depth()).isEqualTo(2);
            reopened.append(bytes("later"), 3_000, Duration.ZERO);
            List<String> all = new java.util.ArrayList<>();
            for (var segment = reopened.oldest(); segment.isPresent(); segment = reopened.oldest()) {
                segment.get().entries().forEach(e -> all.add(new String(e.bytes(), StandardCharsets.UTF_8)));
                reopened.delete(segment.get());
            }
            assertThat(all).containsExactly("kept-1", "kept-2", "later");
        }
    }

    @Test
    void shouldSkipATornRecordAtTheEndOfASegment() throws IOException {
        try (Spool spool = new Spool(dir, 1 << 20, true, SCHEMA)) {
            spool.append(bytes("whole"), 1_000, Duration.ZERO);
        }
        try (var files = Files.list(dir)) {
            Path segment = files.filter(p -> p.toString().endsWith(".spool")).findFirst().orElseThrow();
            Files.write(segment, new byte[] {0, 0, 0, 9, 1, 2}, StandardOpenOption.APPEND); // a write cut short
        }
        try (Spool reopened = new Spool(dir, 1 << 20, true, SCHEMA)) {
            assertThat(reopened.oldest().orElseThrow().entries()).extracting(e -> new String(e.bytes(), StandardCharsets.UTF_8))
                    .containsExactly("whole");
        }
    }

    @Test
    void shouldRefuseAnEventWhenFullAfterTheBoundedWait() {
        try (Spool spool = new Spool(dir, 1024, true, SCHEMA)) {
            spool.append(new byte[900], 1_000, Duration.ZERO);
            long started = System.nanoTime();

            assertThatThrownBy(() -> spool.append(new byte[200], 2_000, Duration.ofMillis(100)))
                    .isInstanceOf(SpoolFullException.class)
                    .hasMessageContaining(dir.toString())
                    .hasMessageContaining("ledger.spool.max.bytes")
                    .hasMessageContaining("not accepted");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
            assertThat(spool.depth()).isEqualTo(1);
        }
    }

    @Test
    void shouldRefuseASecondUserOfTheSameDirectory() {
        try (Spool first = new Spool(dir, 1 << 20, true, SCHEMA)) {
            assertThatThrownBy(() -> new Spool(dir, 1 << 20, true, SCHEMA))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(dir.toString());
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
