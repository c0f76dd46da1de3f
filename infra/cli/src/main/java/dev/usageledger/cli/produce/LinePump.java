package dev.usageledger.cli.produce;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/**
 * The read-and-publish loop of {@code ledger produce} and {@code ledger import}: every non-blank
 * line is handed to the publisher with its number, at most {@value #MAX_IN_FLIGHT} unacknowledged
 * at a time, with a progress call (lines read so far) every second; it returns once every publish has completed.
 */
final class LinePump {
    static final int MAX_IN_FLIGHT = 10_000;
    private static final long PROGRESS_EVERY_MS = 1_000;

    /** Publishes one line; the future completes when it is done with (sent, refused or skipped). */
    interface Publisher {
        CompletableFuture<Void> publish(String line, long number);
    }

    private LinePump() {
    }

    /** Pumps every line of {@code lines}; answers how many lines were read. */
    static long pump(BufferedReader lines, Publisher publisher, LongConsumer progress) throws IOException {
        List<CompletableFuture<Void>> inFlight = new ArrayList<>();
        long lastProgress = System.currentTimeMillis();
        long number = 0;
        String line;
        while ((line = lines.readLine()) != null) {
            number++;
            if (!line.isBlank()) {
                inFlight.add(publisher.publish(line, number));
            }
            if (inFlight.size() >= MAX_IN_FLIGHT) {
                CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
                inFlight.clear();
            }
            if (System.currentTimeMillis() - lastProgress >= PROGRESS_EVERY_MS) {
                progress.accept(number);
                lastProgress = System.currentTimeMillis();
            }
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
        return number;
    }
}
