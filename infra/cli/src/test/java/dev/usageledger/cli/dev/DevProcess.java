package dev.usageledger.cli.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code ledger dev} from the packaged jar in a process of its own, with what its ready lines say. */
final class DevProcess implements AutoCloseable {
    private final Process process;
    private final CompletableFuture<String[]> ready = new CompletableFuture<>();
    private final CompletableFuture<String> dashboard = new CompletableFuture<>();

    private DevProcess(Process process) {
        this.process = process;
        Thread.ofVirtual().start(this::pump);
    }

    /** Starts {@code ledger dev} on a free port with its data in {@code data}. */
    static DevProcess start(Path data, String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m",
                "-jar", Path.of("target", "ledger-cli.jar").toString(), "dev", "--port", "0", "--data-dir", data.toString()));
        command.addAll(List.of(options));
        return new DevProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** The api URL, the admin token and the broker's address from the ready line, once it is printed. */
    String[] awaitReady() throws Exception {
        return ready.get(120, TimeUnit.SECONDS);
    }

    /** The dashboard's address, from the line after the ready line. */
    URI awaitDashboard() throws Exception {
        return URI.create(dashboard.get(30, TimeUnit.SECONDS));
    }

    /** SIGTERM, and the stack must stop within 30 s. */
    void stop() throws InterruptedException {
        long stopping = System.nanoTime();
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s of SIGTERM").isTrue();
        System.out.printf("[dev] stopped %d ms after SIGTERM%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping));
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    private void pump() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                System.out.println("[dev] " + line);
                if (line.startsWith("ledger ready: ")) {
                    ready.complete(new String[] {line.replaceAll(".*api=(\\S+).*", "$1"), line.replaceAll(".*admin_token=(\\S+).*", "$1"),
                            line.replaceAll(".*kafka=(\\S+).*", "$1")});
                } else if (ready.isDone() && !dashboard.isDone()) {
                    dashboard.complete(line.startsWith("dashboard: ") ? line.replaceAll("^dashboard: (\\S+).*", "$1") : "");
                }
            }
            ready.completeExceptionally(new AssertionError("ledger dev ended before it was ready"));
            dashboard.completeExceptionally(new AssertionError("ledger dev ended before it printed the dashboard's address"));
        } catch (IOException e) {
            ready.completeExceptionally(e);
            dashboard.completeExceptionally(e);
        }
    }
}
