package dev.usageledger.cli.produce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.cli.LedgerCli;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroDeserializer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@ExtendWith(LedgerClusterExtension.class)
class ProduceCommandIT {
    @TempDir
    Path dir;

    @Test
    void shouldPublishTheGoodLinesAndNameTheBadOnesByNumber(LedgerCluster cluster) throws IOException {
        String topic = LedgerCluster.uniqueName("usage-cli");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(topic, 1, Map.of())));
        }
        String now = Instant.now().toString();
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"event_id\":\"good-1\",\"tenant_id\":\"acme\",\"occurred_at\":\"" + now + "\",\"input_tokens\":10}",
                "this is not json",
                "{\"event_id\":\"bad-count\",\"tenant_id\":\"acme\",\"output_tokens\":-4}",
                "",
                "{\"event_id\":\"good-2\",\"tenant_id\":\"globex\",\"model\":\"gpt-4.1\",\"cost_micros\":1500}",
                "{\"event_id\":\"bad-status\",\"tenant_id\":\"acme\",\"status\":\"finished\"}",
                "{\"event_id\":\"no-tenant\"}") + "\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = new CommandLine(new LedgerCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(
                "produce", "--file", file.toString(), "--bootstrap", cluster.bootstrapServers(),
                "--registry", cluster.registryUrl(), "--topic", topic, "--spool-dir", dir.resolve("spool").toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString())
                .contains("line 2: skipped: not JSON")
                .contains("line 3: skipped: invalid usage event: output_tokens must be >= 0, got -4")
                .contains("line 6: skipped: status must be one of ok, error, cancelled, got 'finished'")
                .contains("line 7: skipped: invalid usage event: tenant_id is required")
                .doesNotContain("line 1:").doesNotContain("line 4:").doesNotContain("line 5:");
        assertThat(out.toString()).contains("7 lines: 2 events accepted (2 sent, 0 spooled for later), 4 bad lines, 0 refused");
        assertThat(read(cluster, topic, 2)).extracting(UsageEvent::getEventId).containsExactly("good-1", "good-2");
    }

    @Test
    void shouldPublishToTheTopicAndValidateWithTheFutureSkewOfTheConfigurationFile(LedgerCluster cluster) throws IOException {
        // Given the configuration file the ledger runs with: its topic, and events dated at most a minute ahead
        String topic = LedgerCluster.uniqueName("usage-config");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(topic, 1, Map.of())));
        }
        Path config = dir.resolve("ledger.properties");
        Files.write(config, List.of("bootstrap.servers=" + cluster.bootstrapServers(), "schema.registry.url=" + cluster.registryUrl(),
                "ledger.usage.topic=" + topic, "ledger.max.future.skew.ms=60000", "ledger.late.grace.ms=86400000",
                "ledger.http.port=0", "ledger.spool.dir=" + dir.resolve("spool")));
        Path file = dir.resolve("events.jsonl");
        Files.write(file, List.of(
                "{\"event_id\":\"now\",\"tenant_id\":\"acme\",\"occurred_at\":\"" + Instant.now() + "\",\"input_tokens\":10}",
                "{\"event_id\":\"in-5-min\",\"tenant_id\":\"acme\",\"occurred_at\":\"" + Instant.now().plus(Duration.ofMinutes(5))
                        + "\",\"input_tokens\":10}"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        // When ledger produce reads it (and an environment variable that is no setting)
        int exit = new CommandLine(new ProduceCommand(Map.of("LEDGER_PORT", "tcp://10.0.0.1:8080"))).setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err)).execute("--file", file.toString(), "--config", config.toString());

        // Then the event five minutes ahead is refused by the file's skew, not the default ten minutes, and the other is on its topic
        assertThat(exit).as(err.toString()).isEqualTo(1);
        assertThat(err.toString()).contains("line 2: skipped: invalid usage event: occurred_at")
                .contains("ignoring the environment variable LEDGER_PORT").doesNotContain("line 1:");
        assertThat(read(cluster, topic, 1)).extracting(UsageEvent::getEventId).containsExactly("now");
    }

    private static List<UsageEvent> read(LedgerCluster cluster, String topic, int expected) {
        List<UsageEvent> events = new ArrayList<>();
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl());
             KafkaConsumer<String, UsageEvent> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()),
                     new StringDeserializer(), new AvroDeserializer<>(UsageEvent.class, registry))) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (events.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> events.add(r.value()));
            }
            consumer.poll(Duration.ofMillis(300)).forEach(r -> events.add(r.value()));
        }
        return events;
    }
}
