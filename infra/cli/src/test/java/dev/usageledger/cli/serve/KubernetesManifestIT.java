package dev.usageledger.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ledger serve} with the environment a pod of infra/k8s/ledger.yaml gets from the kubelet:
 * the StatefulSet's entries, resolved, plus the service links of the Service named ledger. It
 * starts and answers the manifest's readiness probe.
 */
@ExtendWith(LedgerClusterExtension.class)
class KubernetesManifestIT {
    private static final Path MANIFESTS = Path.of("..", "k8s", "ledger.yaml");
    /** What the kubelet adds to each pod of a namespace with a Service named ledger (port http, 8080) when service links are on. */
    private static final Map<String, String> SERVICE_LINKS = Map.of("LEDGER_SERVICE_HOST", "10.0.0.1", "LEDGER_SERVICE_PORT", "8080",
            "LEDGER_SERVICE_PORT_HTTP", "8080", "LEDGER_PORT", "tcp://10.0.0.1:8080", "LEDGER_PORT_8080_TCP", "tcp://10.0.0.1:8080",
            "LEDGER_PORT_8080_TCP_PROTO", "tcp", "LEDGER_PORT_8080_TCP_PORT", "8080", "LEDGER_PORT_8080_TCP_ADDR", "10.0.0.1");
    private static final Pattern SERVING = Pattern.compile("ledger serving: api=http://[^ ]+:(\\d+) ");

    @TempDir
    Path dir;

    @Test
    void shouldTurnServiceLinksOffForTheLedgersPods() throws Exception {
        JsonNode pod = PodEnvironment.read(MANIFESTS).podSpec("ledger");

        assertThat(pod.path("enableServiceLinks").isBoolean() && !pod.path("enableServiceLinks").asBoolean())
                .as("the StatefulSet's pod spec says enableServiceLinks: false").isTrue();
    }

    @Test
    void shouldStartAndBecomeReadyWithThePodEnvironmentAndTheServiceLinks(LedgerCluster cluster) throws Exception {
        // Given the pod's environment as the kubelet builds it, pointed at the test cluster, with the service links
        PodEnvironment manifests = PodEnvironment.read(MANIFESTS);
        Map<String, String> environment = new HashMap<>(manifests.of("ledger", "ledger",
                Map.of("metadata.name", "ledger-0", "metadata.namespace", "ledger-it")));
        assertThat(environment).containsKeys("LEDGER_BOOTSTRAP_SERVERS", "LEDGER_SCHEMA_REGISTRY_URL", "LEDGER_AUTH_TOKENS")
                .containsEntry("LEDGER_ADVERTISED_HOST", "ledger-0.ledger-headless.ledger-it.svc.cluster.local");
        environment.put("LEDGER_BOOTSTRAP_SERVERS", cluster.bootstrapServers());
        environment.put("LEDGER_SCHEMA_REGISTRY_URL", cluster.registryUrl());
        environment.putAll(SERVICE_LINKS);
        String admin = environment.get("LEDGER_AUTH_TOKENS").substring("admin=".length());
        String prefix = LedgerCluster.uniqueName("k8s");
        List<String> args = new ArrayList<>(List.of("--port", "0", "--state-dir", dir.resolve("state").toString(),
                "--set", "ledger.application.id=" + prefix + "-app"));
        try (Admin kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            List<TopicSpec> topics = new ArrayList<>();
            for (String topic : List.of("usage", "policies", "prices", "rejected", "breaches", "holds", "decisions", "hold.requests",
                    "hold.journal", "rated", "seeds")) {
                boolean compacted = topic.equals("policies") || topic.equals("prices");
                topics.add(new TopicSpec(prefix + "." + topic, compacted ? 1 : 2, compacted ? Map.of("cleanup.policy", "compact") : Map.of()));
                args.addAll(List.of("--set", "ledger." + topic + ".topic=" + prefix + "." + topic));
            }
            TopicAdmin.ensure(kafka, topics);
        }
        StringWriter output = new StringWriter();

        // When ledger serve starts with it, on its own topics, state directory and a free port
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread serve = Thread.ofPlatform().name("ledger-serve-k8s").start(() -> exit.complete(new CommandLine(new ServeCommand(environment))
                .setOut(new PrintWriter(output, true)).setErr(new PrintWriter(output, true)).execute(args.toArray(String[]::new))));
        try {
            Await.until(() -> SERVING.matcher(output.toString()).find() || exit.isDone(), Duration.ofSeconds(60),
                    "ledger serve to say where it serves");
            assertThat(exit).as("ledger serve ended before serving:%n%s", output).isNotDone();

            // Then it answers the manifest's readiness probe, takes the Secret's token, and names each service link it ignored
            Matcher serving = SERVING.matcher(output.toString());
            assertThat(serving.find()).isTrue();
            URI api = URI.create("http://127.0.0.1:" + serving.group(1));
            String probe = manifests.podSpec("ledger").path("containers").get(0).path("readinessProbe").path("httpGet").path("path").asText();
            assertThat(probe).isEqualTo("/ready");
            HttpClient http = HttpClient.newHttpClient();
            Await.until(() -> status(http, HttpRequest.newBuilder(api.resolve(probe)).build()) == 200, Duration.ofSeconds(60),
                    "ledger serve to answer " + probe + " with 200");
            assertThat(status(http, HttpRequest.newBuilder(api.resolve("/v1/tenants/acme/policies"))
                    .header("Authorization", "Bearer " + admin).build())).isEqualTo(200);
            assertThat(output.toString()).contains(SERVICE_LINKS.keySet().stream()
                    .map(name -> "ledger serve: ignoring the environment variable " + name + ":").toList());
        } finally {
            serve.interrupt();
            serve.join(Duration.ofSeconds(60));
            System.out.println(output);
        }
        assertThat(exit.getNow(-1)).as("ledger serve stopped cleanly when interrupted").isZero();
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
