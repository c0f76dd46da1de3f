package dev.usageledger.cli.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's five-minute tour, as written, against {@code ledger dev}: a README that
 * drifts from what the ledger does fails here.
 */
class ReadmeTourIT {
    private static final Path ROOT = Path.of("..", "..").toAbsolutePath().normalize();

    @TempDir
    Path work;

    @Test
    void shouldRunTheReadmeTourVerbatim() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String block = readme.substring(readme.indexOf("<!-- tour:start -->"), readme.indexOf("<!-- tour:end -->"));
        String script = block.substring(block.indexOf("```sh\n") + 6, block.lastIndexOf("```"));
        // ./ledger in the tour is the repository's launcher, run from this working directory
        Path launcher = work.resolve("ledger");
        Files.writeString(launcher, "#!/usr/bin/env bash\nexec '" + ROOT.resolve("ledger") + "' \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));

        Process dev = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m", "-jar",
                Path.of("target", "ledger-cli.jar").toAbsolutePath().toString(), "dev", "--port", "0", "--data-dir",
                work.resolve("ledger-dev-data").toString()).redirectErrorStream(true).start();
        try {
            CompletableFuture<Void> ready = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> pump(dev, ready));
            ready.get(120, TimeUnit.SECONDS);

            Process tour = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).directory(work.toFile())
                    .redirectErrorStream(true).start();
            String output = new String(tour.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(tour.waitFor(180, TimeUnit.SECONDS)).isTrue();
            System.out.println("[tour] " + output.replace("\n", "\n[tour] "));

            assertThat(tour.exitValue()).as("the tour exits 0:%n%s", output).isZero();
            assertThat(output).contains("\"decision\":\"deny\"", "estimate_exceeds_remaining", "\"state\":\"placed\"",
                    "\"held\":300000", "\"threshold\":50", " 0 mismatched", "\"overrides\":[\"team\"]");
            // acme-u02's check is judged by its own budget, which replaced the team's for it: the team's day budget is not in its answer
            String u02Check = output.substring(output.lastIndexOf("{\"decision\""));
            assertThat(u02Check).contains("\"policy_id\":\"acme-u02-day\"", "u02 research", "\"used\":630000")
                    .doesNotContain("acme-platform-day");
        } finally {
            dev.destroy();
            if (!dev.waitFor(30, TimeUnit.SECONDS)) {
                dev.destroyForcibly();
            }
        }
    }

    private static void pump(Process process, CompletableFuture<Void> ready) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("ledger ready: ")) {
                    ready.complete(null);
                }
            }
            ready.completeExceptionally(new AssertionError("ledger dev ended before it was ready"));
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
    }
}
