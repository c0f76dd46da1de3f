package dev.usageledger.cli.produce;

import dev.usageledger.cli.SettingsOptions;
import dev.usageledger.producer.LedgerProducer;
import dev.usageledger.producer.LedgerProducerConfig;
import dev.usageledger.producer.ProducerMetrics;
import dev.usageledger.producer.PublishReceipt;
import dev.usageledger.producer.json.UsageEventJson;
import dev.usageledger.streams.LedgerStreamsConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ledger produce}: publishes usage events from JSON lines through the producer library.
 * A bad line is reported with its number and reason and skipped; the exit status is 1 when any
 * line was bad or was not accepted, 0 otherwise. Its settings are read as {@code ledger serve}
 * reads them, so it validates with the service's {@code ledger.max.future.skew.ms} and publishes to
 * its {@code ledger.usage.topic} when both are given the same configuration.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Publish usage events, one JSON object per line (the UsageEvent fields, snake_case).",
                "Settings as ledger serve reads them (defaults < --config file < environment < flags), with the producer's",
                "(ledger.spool.dir, ledger.publish.max.block.ms, ...)."})
public final class ProduceCommand implements Callable<Integer> {
    private static final String NAME = "ledger produce";

    private final Map<String, String> environment;

    @Spec
    CommandSpec spec;

    @Mixin
    SettingsOptions options;

    @Mixin
    PublishOptions publishing;

    public ProduceCommand() {
        this(System.getenv());
    }

    /** A command that reads its settings from {@code environment} instead of the process's. */
    ProduceCommand(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> flags = publishing.flags();
        Map<String, Object> settings;
        LedgerProducerConfig config;
        try {
            settings = producerSettings(options, environment, flags, NAME, err);
            config = new LedgerProducerConfig(settings);
        } catch (IllegalArgumentException | ConfigException e) {
            return SettingsOptions.refuse(NAME, e, err);
        }
        Tally tally = new Tally();
        try (Reader reader = open(); BufferedReader lines = new BufferedReader(reader);
             LedgerProducer ledger = LedgerProducer.builder().config(settings).build()) {
            tally.lines = LinePump.pump(lines, (line, number) -> publish(ledger, line, number, tally, err), read -> {
                err.printf("\r  %,d lines read, %,d published, %,d bad ...", read, tally.accepted(), tally.bad());
                err.flush();
            });
            ProducerMetrics metrics = ledger.metrics();
            out.printf("%,d lines: %,d events accepted (%,d sent, %,d spooled for later), %,d bad lines, %,d refused%n",
                    tally.lines, tally.accepted(), tally.sent, tally.spooled, tally.invalid, tally.refused);
            if (metrics.spoolDepth() > 0) {
                out.printf("%,d event(s) wait in the spool at %s; the next run on that directory sends them%n",
                        metrics.spoolDepth(), Path.of(config.getString(LedgerProducerConfig.SPOOL_DIR_CONFIG)).toAbsolutePath());
            }
        }
        out.flush();
        return tally.bad() == 0 ? 0 : 1;
    }

    /**
     * The producer library's settings as {@code ledger serve} reads them (defaults, --config file,
     * environment, then {@code flags}), with the Kafka client security the service takes as
     * {@code streams.*} given to the producer as {@code producer.*}.
     *
     * @throws IllegalArgumentException or ConfigException when a setting is invalid
     */
    static Map<String, Object> producerSettings(SettingsOptions options, Map<String, String> environment, Map<String, Object> flags,
                                                String command, PrintWriter err) {
        Map<String, Object> settings = new HashMap<>(options.read(environment, flags, command, err));
        new LedgerProducerConfig(settings);
        new LedgerStreamsConfig(settings).clientSecurity()
                .forEach((key, value) -> settings.put(LedgerProducerConfig.PRODUCER_PREFIX + key, value));
        return settings;
    }

    private CompletableFuture<Void> publish(LedgerProducer ledger, String line, long number, Tally tally, PrintWriter err) {
        try {
            return ledger.publish(UsageEventJson.parse(line)).handle((receipt, error) -> {
                tally.record(receipt, error, number, err);
                return null;
            });
        } catch (IllegalArgumentException e) {
            tally.invalid(number, e.getMessage(), err);
            return CompletableFuture.completedFuture(null);
        }
    }

    private Reader open() throws IOException {
        return publishing.fromStandardInput() ? new InputStreamReader(System.in, StandardCharsets.UTF_8)
                : Files.newBufferedReader(Path.of(publishing.file), StandardCharsets.UTF_8);
    }

    /** Counts by outcome; line reports go to standard error as they happen. */
    private static final class Tally {
        long lines;
        long sent;
        long spooled;
        long invalid;
        long refused;

        synchronized void record(PublishReceipt receipt, Throwable error, long line, PrintWriter err) {
            if (error != null) {
                refused++;
                err.printf("line %d: not accepted: %s%n", line, error.getCause() != null ? error.getCause().getMessage() : error.getMessage());
            } else if (receipt.spooled()) {
                spooled++;
            } else {
                sent++;
            }
        }

        synchronized void invalid(long line, String reason, PrintWriter err) {
            invalid++;
            err.printf("line %d: skipped: %s%n", line, reason);
        }

        synchronized long accepted() {
            return sent + spooled;
        }

        synchronized long bad() {
            return invalid + refused;
        }
    }
}
