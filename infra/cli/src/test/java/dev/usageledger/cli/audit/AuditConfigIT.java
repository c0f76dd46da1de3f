package dev.usageledger.cli.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import dev.usageledger.query.ConfigSources;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerializer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ledger audit --config F} against a service started with the same F: the audit judges
 * by the service's rules, here reports kept for one day instead of the default 800.
 */
@ExtendWith(LedgerClusterExtension.class)
class AuditConfigIT {
    private static final String ADMIN = "admin-token-audit-config-0001";
    private static final List<String> TOPICS = List.of("usage", "policies", "prices", "rejected", "breaches", "holds", "decisions",
            "hold.requests", "hold.journal", "rated", "seeds");

    @TempDir
    Path dir;

    @Test
    void shouldAgreeWithAServiceThatKeepsOneDayWhenGivenItsConfiguration(LedgerCluster cluster) throws Exception {
        // Given a service started from a file that keeps one day of reports, and an event two days older than the newest
        String prefix = LedgerCluster.uniqueName("audit-config");
        List<String> lines = new ArrayList<>(List.of("bootstrap.servers=" + cluster.bootstrapServers(),
                "schema.registry.url=" + cluster.registryUrl(), "ledger.application.id=" + prefix + "-app",
                "ledger.state.dir=" + dir.resolve("state"), "ledger.http.port=0", "ledger.auth.tokens=admin=" + ADMIN,
                "ledger.retention.day.ms=" + Duration.ofDays(1).toMillis()));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            List<TopicSpec> topics = new ArrayList<>();
            for (String topic : TOPICS) {
                boolean compacted = topic.equals("policies") || topic.equals("prices");
                topics.add(new TopicSpec(prefix + "." + topic, 1, compacted ? Map.of("cleanup.policy", "compact") : Map.of()));
                lines.add("ledger." + topic + ".topic=" + prefix + "." + topic);
            }
            TopicAdmin.ensure(admin, topics);
        }
        Path config = dir.resolve("ledger.properties");
        Files.write(config, lines);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        publish(cluster, prefix + ".usage", List.of(
                event("on-time-1", now.minusSeconds(20), now.minusSeconds(20)),
                event("two-days-late", now.minus(Duration.ofDays(2)), now.minusSeconds(10)),
                event("on-time-2", now, now)));
        Instant hour = now.truncatedTo(ChronoUnit.HOURS);
        String from = hour.minus(Duration.ofDays(3)).toString();
        String to = hour.plus(Duration.ofHours(1)).toString();

        try (LedgerService service = LedgerService.start(new ServiceConfig(ConfigSources.layered(config, Map.of(), Map.of(), w -> { })))) {
            Await.until(() -> service.streams().state() == KafkaStreams.State.RUNNING, Duration.ofSeconds(60), "the ledger to run");
            Await.until(() -> service.state().progress().applied(0).offset() >= 2, Duration.ofSeconds(60), "the three events to be applied");
            String ledgerUrl = service.apiUri().toString();

            // When the audit reads the same file
            Result audit = audit("--config", config.toString(), "--from", from, "--to", to, "--ledger-url", ledgerUrl,
                    "--token", ADMIN, "--out", dir.resolve("with-config").toString());

            // Then it rejects the old event as the service did, and agrees with it
            assertThat(audit.exit()).as(audit.output()).isZero();
            JsonNode summary = summary(dir.resolve("with-config"));
            assertThat(summary.get("counted").asLong()).isEqualTo(2);
            assertThat(summary.get("rejected").get("beyond_retention").asLong()).isEqualTo(1);
            assertThat(summary.get("reconciliation").get("compared").asLong()).isPositive();
            assertThat(summary.get("reconciliation").get("mismatches").asLong()).isZero();

            // And given only the addresses and topics, as before, it judges by the default 800 days and disagrees
            Result defaults = audit("--bootstrap", cluster.bootstrapServers(), "--registry", cluster.registryUrl(),
                    "--usage-topic", prefix + ".usage", "--prices-topic", prefix + ".prices", "--from", from, "--to", to,
                    "--ledger-url", ledgerUrl, "--token", ADMIN, "--out", dir.resolve("defaults").toString());
            assertThat(defaults.exit()).as(defaults.output()).isEqualTo(1);
            assertThat(summary(dir.resolve("defaults")).get("counted").asLong()).isEqualTo(3);
            assertThat(defaults.output()).contains("mismatched");
        }
    }

    private record Result(int exit, String output) {
    }

    /** The audit with an empty environment, so a variable of the machine running the test cannot change its rules. */
    private static Result audit(String... args) {
        StringWriter output = new StringWriter();
        int exit = new CommandLine(new AuditCommand(Map.of())).setOut(new PrintWriter(output, true)).setErr(new PrintWriter(output, true))
                .execute(args);
        System.out.println(output);
        return new Result(exit, output.toString());
    }

    private static JsonNode summary(Path report) throws Exception {
        return new ObjectMapper().readTree(report.resolve("summary.json").toFile());
    }

    private record Timed(UsageEvent event, Instant timestamp) {
    }

    /** An event with its record timestamp, which is what lateness is judged against. */
    private static Timed event(String id, Instant occurredAt, Instant timestamp) {
        return new Timed(UsageEvent.newBuilder().setEventId(id).setTenantId("acme").setOccurredAt(occurredAt).setTeamIds(List.of())
                .setUserId("acme-u1").setProvider("openai").setModel("gpt-4.1-mini").setInputTokens(1_000).setCachedInputTokens(0)
                .setOutputTokens(200).setRequests(1).setStatus(UsageStatus.ok).build(), timestamp);
    }

    private static void publish(LedgerCluster cluster, String topic, List<Timed> events) throws Exception {
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            AvroSerializer<UsageEvent> usage = new AvroSerializer<>(registry, true, false);
            for (Timed e : events) {
                producer.send(new ProducerRecord<>(topic, null, e.timestamp().toEpochMilli(), "acme", usage.serialize(topic, e.event()))).get();
            }
        }
    }
}
