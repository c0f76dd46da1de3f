package dev.usageledger.query.it;

import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A ledger service in a JVM of its own, so a test can kill it with SIGKILL: an unclean stop no
 * in-process close can imitate. Arguments are {@code key=value} settings. On its standard output
 * it reports {@code API <uri>} once it listens and {@code OWNS <topic-partition> <true|false>}
 * whenever its topology starts or stops being the active owner of that journal partition.
 */
final class ServiceProcess {
    static final String OWNED_PARTITION_SETTING = "test.report.owner.of";

    /** A started child: its process, where it answers, and whether it owns the partition it watches. */
    static final class Child {
        final Process process;
        final CompletableFuture<URI> api = new CompletableFuture<>();
        volatile boolean owner;

        private Child(Process process) {
            this.process = process;
        }

        void kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private ServiceProcess() {
    }

    /** Starts a service with {@code settings} in a new JVM on this one's class path; its output goes to {@code log}. */
    static Child start(Map<String, Object> settings, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx512m", ServiceProcess.class.getName()));
        settings.forEach((k, v) -> command.add(k + "=" + v));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Child child = new Child(process);
        Thread.ofPlatform().daemon().name("child-output-" + process.pid()).start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 PrintStream out = new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8)) {
                String line;
                while ((line = lines.readLine()) != null) {
                    out.println(line);
                    if (line.startsWith("API ")) {
                        child.api.complete(URI.create(line.substring(4).trim()));
                    } else if (line.startsWith("OWNS ")) {
                        child.owner = line.endsWith(" true");
                    }
                }
            } catch (IOException ended) {
                // the child was killed: its output ends here
            }
        });
        return child;
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, Object> settings = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            settings.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        String watched = (String) settings.remove(OWNED_PARTITION_SETTING);
        int dash = watched.lastIndexOf('-');
        TopicPartition partition = new TopicPartition(watched.substring(0, dash), Integer.parseInt(watched.substring(dash + 1)));
        LedgerService service = LedgerService.start(new ServiceConfig(settings), Clock.systemUTC());
        System.out.println("API " + service.apiUri());
        Boolean reported = null;
        while (true) { // runs until killed
            boolean owns = owns(service.streams(), partition);
            if (!Boolean.valueOf(owns).equals(reported)) {
                System.out.println("OWNS " + watched + " " + owns);
                reported = owns;
            }
            Thread.sleep(Duration.ofMillis(20));
        }
    }

    private static boolean owns(KafkaStreams streams, TopicPartition partition) {
        try {
            return streams.state() == KafkaStreams.State.RUNNING && streams.metadataForLocalThreads().stream()
                    .flatMap(thread -> thread.activeTasks().stream())
                    .anyMatch(task -> task.topicPartitions().contains(partition));
        } catch (RuntimeException changing) {
            return false;
        }
    }
}
