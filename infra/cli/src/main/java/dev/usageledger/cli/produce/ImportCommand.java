package dev.usageledger.cli.produce;

import dev.usageledger.cli.SettingsOptions;
import dev.usageledger.producer.LedgerProducer;
import dev.usageledger.producer.LedgerProducerConfig;
import dev.usageledger.producer.json.UsageEventJson;
import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.Topics;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ledger import}: publishes past usage (the {@code ledger produce} JSON lines) as imported
 * history, which the ledger counts in its own period whatever its age, with the same validation,
 * dedupe and rating as live usage (ADR 0002). Lines older than the reports keep
 * ({@code ledger.retention.day.ms} before now) are refused before anything is sent, naming the
 * setting. An import that fails part-way is run again: the ledger counts each event id once.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Import past usage, one JSON object per line (the ledger produce shape): counted in its own period whatever",
                "its age, as long as the ledger keeps that period's reports (ledger.retention.day.ms). Safe to run again.",
                "Settings as ledger serve reads them (defaults < --config file < environment < flags)."})
public final class ImportCommand implements Callable<Integer> {
    private static final String NAME = "ledger import";

    private final Map<String, String> environment;

    @Spec
    CommandSpec spec;

    @Mixin
    SettingsOptions options;

    @Mixin
    PublishOptions publishing;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Names the import in its records' ledger-import header (default: the file name).")
    String importName;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "120",
            description = {"How long to wait, after sending, for the ledger to process every event, reading what it counted, found",
                    "duplicate and rejected from its rated and rejected topics (default: ${DEFAULT-VALUE}; 0: do not wait)."})
    long waitSeconds;

    public ImportCommand() {
        this(System.getenv());
    }

    /** A command that reads its settings from {@code environment} instead of the process's. */
    ImportCommand(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> flags = publishing.flags();
        Map<String, Object> settings;
        LedgerStreamsConfig ledgerConfig;
        Duration kept;
        try {
            settings = ProduceCommand.producerSettings(options, environment, flags, NAME, err);
            ledgerConfig = new LedgerStreamsConfig(settings);
            kept = ledgerConfig.retention(LedgerStreamsConfig.DAY_RETENTION_MS_CONFIG);
        } catch (IllegalArgumentException | ConfigException e) {
            return SettingsOptions.refuse(NAME, e, err);
        }
        if (waitSeconds < 0) {
            err.printf("%s: --wait must be 0 or more seconds, got %d%n", NAME, waitSeconds);
            return 2;
        }
        String file = publishing.file;
        String name = importName != null ? importName : publishing.fromStandardInput() ? "stdin" : Path.of(file).getFileName().toString();
        Instant oldestKept = Instant.now().minus(kept);
        long size = publishing.fromStandardInput() ? -1 : Files.size(Path.of(file));
        Tally tally = new Tally();
        long started = System.nanoTime();
        Follow follow = waitSeconds == 0 ? Follow.none() : Follow.start(settings, ledgerConfig, err);
        try (follow;
             CountingStream bytes = new CountingStream(publishing.fromStandardInput() ? System.in : Files.newInputStream(Path.of(file)));
             BufferedReader lines = new BufferedReader(new InputStreamReader(bytes, StandardCharsets.UTF_8));
             LedgerProducer ledger = LedgerProducer.builder().config(settings).build()) {
            LinePump.pump(lines, (line, number) -> publish(ledger, line, number, name, oldestKept, tally, follow.outcome(), err),
                    read -> progress(err, tally, started, bytes.count(), size, follow.outcome()));
            double seconds = (System.nanoTime() - started) / 1e9;
            err.println();
            out.printf("import %s: %,d events published in %.1f s (%,.0f events/s), %,d bad lines, %,d older than the ledger keeps"
                            + " (%s = %s), %,d not accepted by Kafka%n", name, tally.sent.get(), seconds,
                    tally.sent.get() / Math.max(seconds, 1e-3), tally.invalid.get(), tally.tooOld.get(),
                    LedgerStreamsConfig.DAY_RETENTION_MS_CONFIG, kept, tally.refused.get());
            boolean settled = follow.outcome() == null || awaitLedger(follow.outcome(), err);
            ImportOutcome.Counts counts = follow.outcome() == null ? null : follow.outcome().counts();
            if (counts != null) {
                out.printf("the ledger %s: %,d counted, %,d duplicates of events it had already counted, %,d rejected%s%n",
                        settled ? "processed every event" : "processed " + String.format("%,d of %,d events", counts.processed(), counts.sent())
                                + " within --wait " + waitSeconds + " s",
                        counts.counted(), counts.duplicates(), counts.rejected(),
                        counts.rejected() == 0 ? "" : " " + counts.rejectedByReason() + " (on " + ledgerConfig.topics().rejected() + ", with the reason)");
                if (!settled) {
                    out.printf("is the ledger running? the rest is counted when it is; ledger audit shows what was counted%n");
                }
            } else {
                out.printf("the ledger counts each event in its own period once; duplicates of events it already counted, and lines it"
                        + " rejects, show in ledger audit and on %s%n", ledgerConfig.topics().rejected());
            }
            if (tally.refused.get() > 0) {
                out.printf("run the same command again once Kafka takes the refused events: what was counted is not counted twice%n");
            }
            out.flush();
            boolean clean = tally.invalid.get() + tally.tooOld.get() + tally.refused.get() == 0 && settled
                    && (counts == null || counts.rejected() == 0);
            return clean ? 0 : 1;
        }
    }

    /** Waits up to --wait for the ledger to process every event sent, with progress; whether it did. */
    private boolean awaitLedger(ImportOutcome outcome, PrintWriter err) {
        outcome.allSent();
        long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
        while (!outcome.settled()) {
            ImportOutcome.Counts counts = outcome.counts();
            err.printf("\r  waiting for the ledger: %,d of %,d processed (%,d counted, %,d duplicates, %,d rejected) ...", counts.processed(),
                    counts.sent(), counts.counted(), counts.duplicates(), counts.rejected());
            err.flush();
            if (System.nanoTime() > deadline) {
                err.println();
                return false;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        err.println();
        return true;
    }

    /** The outcome follower and the registry client it decodes with, when there is one. */
    private record Follow(ImportOutcome outcome, RestSchemaRegistryClient registry) implements AutoCloseable {
        static Follow none() {
            return new Follow(null, null);
        }

        /** Follows the ledger's topics, or says why it cannot and goes on without (the import itself does not need it). */
        static Follow start(Map<String, Object> settings, LedgerStreamsConfig config, PrintWriter err) {
            Map<String, Object> client = new java.util.HashMap<>(config.clientSecurity());
            client.put(LedgerProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.get(LedgerProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
            RestSchemaRegistryClient registry = null;
            try {
                registry = RestSchemaRegistryClient.create(settings);
                Topics topics = config.topics();
                return new Follow(new ImportOutcome(client, topics.usage(), topics.rated(), topics.rejected(),
                        new AvroDeserializer<>(RatedUsageEvent.class, registry), Duration.ofSeconds(15)), registry);
            } catch (RuntimeException e) {
                if (registry != null) {
                    registry.close();
                }
                err.printf("%s: cannot follow what the ledger counts (%s); importing without counts (--wait 0 skips this)%n", NAME,
                        e.getMessage());
                return none();
            }
        }

        @Override
        public void close() {
            try {
                if (outcome != null) {
                    outcome.close();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (registry != null) {
                    registry.close();
                }
            }
        }
    }

    private CompletableFuture<Void> publish(LedgerProducer ledger, String line, long number, String name, Instant oldestKept, Tally tally,
                                            ImportOutcome outcome, PrintWriter err) {
        UsageEvent event;
        try {
            event = UsageEventJson.parse(line);
        } catch (IllegalArgumentException e) {
            tally.invalid.incrementAndGet();
            err.printf("line %d: skipped: %s%n", number, e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
        if (event.getOccurredAt() != null && event.getOccurredAt().isBefore(oldestKept)) {
            tally.tooOld.incrementAndGet();
            err.printf("line %d: refused: occurred_at %s is older than the ledger keeps (%s, oldest %s); raise %s to import it%n", number,
                    event.getOccurredAt(), LedgerStreamsConfig.DAY_RETENTION_MS_CONFIG, oldestKept, LedgerStreamsConfig.DAY_RETENTION_MS_CONFIG);
            return CompletableFuture.completedFuture(null);
        }
        try {
            return ledger.publishHistory(event, name).handle((receipt, error) -> {
                if (error == null) {
                    tally.sent.incrementAndGet();
                    if (outcome != null) {
                        outcome.sent(receipt.partition(), receipt.offset());
                    }
                } else {
                    tally.refused.incrementAndGet();
                    err.printf("line %d: not accepted: %s%n", number, error.getCause() != null ? error.getCause().getMessage() : error.getMessage());
                }
                return null;
            });
        } catch (IllegalArgumentException e) {
            tally.invalid.incrementAndGet();
            err.printf("line %d: skipped: %s%n", number, e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
    }

    private static void progress(PrintWriter err, Tally tally, long started, long read, long size, ImportOutcome outcome) {
        double seconds = (System.nanoTime() - started) / 1e9;
        double rate = tally.sent.get() / Math.max(seconds, 1e-3);
        String eta = size > 0 && read > 0 ? String.format(", ETA %.0f s", seconds * (size - read) / read) : "";
        String ledger = "";
        if (outcome != null) {
            ImportOutcome.Counts counts = outcome.counts();
            ledger = String.format("; ledger: %,d counted, %,d duplicates, %,d rejected", counts.counted(), counts.duplicates(),
                    counts.rejected());
        }
        err.printf("\r  %,d published (%,.0f events/s), %,d bad, %,d too old, %,d not accepted%s%s ...", tally.sent.get(), rate,
                tally.invalid.get(), tally.tooOld.get(), tally.refused.get(), ledger, eta);
        err.flush();
    }

    /** Counts by outcome; line reports go to standard error as they happen. */
    private static final class Tally {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong invalid = new AtomicLong();
        final AtomicLong tooOld = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
    }

    /** The bytes read through it so far, for the ETA. */
    private static final class CountingStream extends FilterInputStream {
        private long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        long count() {
            return count;
        }
    }
}
