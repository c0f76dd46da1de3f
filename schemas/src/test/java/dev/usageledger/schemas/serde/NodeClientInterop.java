package dev.usageledger.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Confluent's own Node.js client reads what the ledger wrote, through the embedded registry.
 * Not in the default test run (its name does not end in IT): it needs {@code npm ci} in
 * {@code infra/interop/node} first. Run it as infra/interop/node/README.md says.
 */
@ExtendWith(LedgerClusterExtension.class)
class NodeClientInterop {
    private static final Path SCRIPT_DIR = Path.of("..", "infra", "interop", "node");

    @TempDir
    Path dir;

    @Test
    void shouldBeReadByConfluentsNodeClient(LedgerCluster cluster) throws IOException, InterruptedException {
        assertThat(SCRIPT_DIR.resolve("node_modules/@confluentinc/schemaregistry"))
                .as("run `npm ci` in infra/interop/node first").exists();
        String topic = LedgerCluster.uniqueName("interop");
        UsageEvent event = SampleEvents.full(3);
        byte[] payload;
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl())) {
            payload = AvroSerde.forValues(UsageEvent.class, registry).serializer().serialize(topic, event);
        }
        Path hex = Files.writeString(dir.resolve("payload.hex"), HexFormat.of().formatHex(payload));
        Path expected = Files.writeString(dir.resolve("expected.json"), expectedJson(event));

        Process node = new ProcessBuilder("node", "interop.mjs", cluster.registryUrl(), topic + "-value", hex.toString(),
                expected.toString()).directory(SCRIPT_DIR.toFile()).redirectErrorStream(true).start();
        String output = new String(node.getInputStream().readAllBytes());
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        System.out.println("[ledger-test] node interop.mjs said:\n" + output);

        assertThat(node.exitValue()).as(output).isZero();
        assertThat(output).contains("INTEROP OK");
    }

    private static String expectedJson(UsageEvent event) {
        ObjectNode json = new ObjectMapper().createObjectNode()
                .put("event_id", event.getEventId())
                .put("occurred_at", event.getOccurredAt().toEpochMilli())
                .put("tenant_id", event.getTenantId())
                .put("user_id", event.getUserId())
                .put("api_key_id", event.getApiKeyId())
                .put("feature", event.getFeature())
                .put("endpoint", event.getEndpoint())
                .put("provider", event.getProvider())
                .put("model", event.getModel())
                .put("reasoning_tokens", event.getReasoningTokens())
                .put("requests", event.getRequests())
                .put("currency", event.getCurrency())
                .put("input_tokens", event.getInputTokens())
                .put("output_tokens", event.getOutputTokens())
                .put("cached_input_tokens", event.getCachedInputTokens())
                .put("status", event.getStatus().name())
                .put("hold_id", event.getHoldId());
        json.putArray("team_ids").add(event.getTeamIds().get(0)).add(event.getTeamIds().get(1));
        json.putPOJO("cost_micros", event.getCostMicros());
        json.putPOJO("latency_ms", event.getLatencyMs());
        ObjectNode attributes = json.putObject("attributes");
        event.getAttributes().forEach(attributes::put);
        return json.toString();
    }
}
