package dev.usageledger.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ledger serve} from the packaged jar, in its own process, against the test cluster:
 * it prints where it serves, becomes ready, takes a policy through the API, and stops cleanly
 * on SIGTERM within seconds.
 */
@ExtendWith(LedgerClusterExtension.class)
class ServeCommandIT {
    private static final String ADMIN = "admin-token-serve-it-0001";

    @TempDir
    Path dir;

    @Test
    void shouldServeFromThePackagedJarAndStopCleanly(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("serve");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(prefix + ".usage", 2, Map.of()),
                    new TopicSpec(prefix + ".policies", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".prices", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".rejected", 2, Map.of()), new TopicSpec(prefix + ".breaches", 2, Map.of()),
                    new TopicSpec(prefix + ".holds", 2, Map.of()), new TopicSpec(prefix + ".decisions", 2, Map.of()),
                    new TopicSpec(prefix + ".hold-requests", 2, Map.of()),
                    new TopicSpec(prefix + ".hold-journal", 2, Map.of()),
                    new TopicSpec(prefix + ".rated", 2, Map.of()),
                    new TopicSpec(prefix + ".seeds", 2, Map.of()),
                    new TopicSpec(prefix + ".directory", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".global-usage", 1, Map.of()),
                    new TopicSpec(prefix + ".global-counters", 1, Map.of("cleanup.policy", "compact"))));
        }
        Path config = dir.resolve("ledger.properties");
        Files.writeString(config, "ledger.application.id=" + prefix + "-app\nledger.auth.tokens=admin=" + ADMIN + "\n");
        Path jar = Path.of("target", "ledger-cli.jar");
        assertThat(jar).as("the packaged command (mvn package builds it before the integration tests)").exists();
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar.toString(), "serve", "--config", config.toString(),
                "--bootstrap", cluster.bootstrapServers(), "--registry", cluster.registryUrl(), "--port", "0",
                "--state-dir", dir.resolve("state").toString(),
                "--set", "ledger.usage.topic=" + prefix + ".usage", "--set", "ledger.policies.topic=" + prefix + ".policies",
                "--set", "ledger.prices.topic=" + prefix + ".prices", "--set", "ledger.rejected.topic=" + prefix + ".rejected",
                "--set", "ledger.breaches.topic=" + prefix + ".breaches", "--set", "ledger.holds.topic=" + prefix + ".holds",
                "--set", "ledger.decisions.topic=" + prefix + ".decisions",
                "--set", "ledger.hold.requests.topic=" + prefix + ".hold-requests",
                "--set", "ledger.hold.journal.topic=" + prefix + ".hold-journal",
                "--set", "ledger.rated.topic=" + prefix + ".rated", "--set", "ledger.seeds.topic=" + prefix + ".seeds",
                "--set", "ledger.directory.topic=" + prefix + ".directory",
                "--set", "ledger.global.usage.topic=" + prefix + ".global-usage",
                "--set", "ledger.global.counters.topic=" + prefix + ".global-counters").redirectErrorStream(true);
        Process process = builder.start();
        try {
            CompletableFuture<String> api = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> pump(process, api));
            String url = api.get(60, TimeUnit.SECONDS);
            HttpClient http = HttpClient.newHttpClient();
            Await.until(() -> status(http, HttpRequest.newBuilder(URI.create(url + "/ready")).build()) == 200,
                    Duration.ofSeconds(60), "ledger serve to be ready");

            String policy = "{\"tenant_id\": \"acme\", \"subject\": {\"type\": \"tenant\", \"id\": \"acme\"}, \"metric\": \"requests\","
                    + " \"limit\": 100, \"period\": {\"kind\": \"day\", \"time_zone\": \"Europe/Berlin\"}}";
            int put = status(http, HttpRequest.newBuilder(URI.create(url + "/v1/policies/acme-daily-requests"))
                    .header("Authorization", "Bearer " + ADMIN).PUT(HttpRequest.BodyPublishers.ofString(policy)).build());
            assertThat(put).isEqualTo(200);

            long stopping = System.nanoTime();
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s of SIGTERM").isTrue();
            System.out.printf("[serve] stopped %d ms after SIGTERM%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping));
        } finally {
            process.destroyForcibly();
        }
    }

    private static void pump(Process process, CompletableFuture<String> api) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                System.out.println("[serve] " + line);
                if (line.startsWith("ledger serving: api=")) {
                    api.complete(line.substring("ledger serving: api=".length()).split(" ")[0]);
                }
            }
            api.completeExceptionally(new AssertionError("ledger serve ended without saying where it serves"));
        } catch (java.io.IOException e) {
            api.completeExceptionally(e);
        }
    }

    private static int status(HttpClient http, HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
