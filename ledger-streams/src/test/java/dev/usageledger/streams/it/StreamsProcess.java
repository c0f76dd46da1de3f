package dev.usageledger.streams.it;

import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.LedgerTopology;
import dev.usageledger.streams.ReportingTopology;
import dev.usageledger.streams.TopologyListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The ledger topology in a JVM of its own, so a test can kill it with SIGKILL mid-batch: an
 * unclean stop no in-process close can imitate. Arguments are {@code key=value} settings; with
 * {@link #PART}{@code =reports} it runs the reporting part instead, and prints {@code APPLIED}
 * once per counted event it has added to its blocks.
 */
public final class StreamsProcess {
    /** Which part to run: {@code reports} for the reporting part, else enforcement. */
    static final String PART = "test.part";

    private StreamsProcess() {
    }

    /** Starts the topology with {@code settings} in a new JVM on this one's class path, its output to {@code output}. */
    static Process start(Map<String, Object> settings, ProcessBuilder.Redirect output) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx512m", StreamsProcess.class.getName()));
        settings.forEach((k, v) -> command.add(k + "=" + v));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output).start();
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, Object> settings = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            settings.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        boolean reports = "reports".equals(settings.remove(PART));
        LedgerStreamsConfig config = new LedgerStreamsConfig(settings);
        RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(config.getString(LedgerStreamsConfig.REGISTRY_URL_CONFIG));
        TopologyListener printApplied = new TopologyListener() {
            @Override
            public void recordApplied(int partition, long offset, long eventTimeMs) {
                if (eventTimeMs >= 0) { // a counted event, not a position mark
                    System.out.println("APPLIED " + partition + " " + offset);
                }
            }
        };
        KafkaStreams streams = reports
                ? new KafkaStreams(ReportingTopology.build(config, registry, printApplied), config.reportingProperties())
                : new KafkaStreams(LedgerTopology.build(config, registry), config.streamsProperties());
        streams.setStateListener((now, before) -> System.out.println("STATE " + now));
        streams.start();
        new CountDownLatch(1).await(); // runs until killed
    }
}
