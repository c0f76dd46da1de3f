package dev.usageledger.cli.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.usageledger.cli.LedgerCli;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.DirectoryKind;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.state.DirectoryBook;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
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
 * {@code ledger audit} against a running ledger: it recomputes the range's totals from the usage
 * topic (duplicates, rejects and unpriced events included), writes its report, and agrees with the
 * service to the micro-unit; with a different price book it finds the mismatch and exits 1.
 */
@ExtendWith(LedgerClusterExtension.class)
class AuditCommandIT {
    private static final String ADMIN = "admin-token-audit-it-0001";

    @TempDir
    Path dir;

    @Test
    void shouldReconcileWithTheLedgerAndReportAMismatch(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("audit");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(prefix + ".usage", 3, Map.of()),
                    new TopicSpec(prefix + ".prices", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".no-prices", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".policies", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".rejected", 3, Map.of()), new TopicSpec(prefix + ".breaches", 3, Map.of()),
                    new TopicSpec(prefix + ".holds", 3, Map.of()), new TopicSpec(prefix + ".decisions", 3, Map.of()),
                    new TopicSpec(prefix + ".hold-requests", 3, Map.of()),
                    new TopicSpec(prefix + ".hold-journal", 3, Map.of()),
                    new TopicSpec(prefix + ".rated", 3, Map.of()),
                    new TopicSpec(prefix + ".seeds", 3, Map.of()),
                    new TopicSpec(prefix + ".directory", 1, Map.of("cleanup.policy", "compact")),
                    new TopicSpec(prefix + ".global-usage", 1, Map.of()),
                    new TopicSpec(prefix + ".global-counters", 1, Map.of("cleanup.policy", "compact"))));
        }
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            AvroSerializer<PriceChange> prices = new AvroSerializer<>(registry, true, false);
            PriceChange price = PriceChange.newBuilder().setProvider("openai").setModel("gpt-4.1-mini")
                    .setEffectiveFrom(Instant.parse("2026-01-01T00:00:00Z")).setCurrency("USD").setInputMicrosPerMtok(400_000)
                    .setCachedInputMicrosPerMtok(100_000).setOutputMicrosPerMtok(1_600_000).build();
            producer.send(new ProducerRecord<>(prefix + ".prices", "openai/gpt-4.1-mini@" + price.getEffectiveFrom().toEpochMilli(),
                    prices.serialize(prefix + ".prices", price))).get();
            // a price change in the middle of the audited range: events from second 30 on are rated with it
            PriceChange cheaper = PriceChange.newBuilder(price).setEffectiveFrom(hour.plusSeconds(30)).setInputMicrosPerMtok(200_000)
                    .setOutputMicrosPerMtok(800_000).build();
            producer.send(new ProducerRecord<>(prefix + ".prices", "openai/gpt-4.1-mini@" + cheaper.getEffectiveFrom().toEpochMilli(),
                    prices.serialize(prefix + ".prices", cheaper))).get();
            // acme's key k1 is the research team's, then from second 30 on the ops team's; its events name neither
            AvroSerializer<DirectoryEntry> directory = new AvroSerializer<>(registry, true, false);
            DirectoryEntry research = DirectoryEntry.newBuilder().setTenantId("acme").setKind(DirectoryKind.api_key).setId("acme-k1")
                    .setUserId("acme-keyholder").setTeamIds(List.of("acme-research")).setEffectiveFrom(hour.minus(1, ChronoUnit.HOURS))
                    .setUpdatedAt(hour.minus(1, ChronoUnit.HOURS)).build();
            DirectoryEntry ops = DirectoryEntry.newBuilder(research).setTeamIds(List.of("acme-ops")).setEffectiveFrom(hour.plusSeconds(30))
                    .build();
            for (DirectoryEntry entry : List.of(research, ops)) {
                producer.send(new ProducerRecord<>(prefix + ".directory", DirectoryBook.topicKey(entry),
                        directory.serialize(prefix + ".directory", entry))).get();
            }
            AvroSerializer<UsageEvent> usage = new AvroSerializer<>(registry, true, false);
            for (int i = 0; i < 60; i++) {
                String tenant = i % 2 == 0 ? "acme" : "globex";
                UsageEvent.Builder event = UsageEvent.newBuilder().setEventId("a-" + i).setTenantId(tenant)
                        .setOccurredAt(hour.plusSeconds(i)).setTeamIds(List.of(tenant + "-team")).setUserId(tenant + "-u" + (i % 4));
                if (i % 6 == 0) {
                    event.setTeamIds(List.of()).setUserId(null).setApiKeyId("acme-k1");
                }
                event.setProvider("openai").setModel(i % 10 == 9 ? "unknown-model" : "gpt-4.1-mini").setInputTokens(1_000L + i)
                        .setCachedInputTokens(i % 3 == 0 ? 500L : 0L).setOutputTokens(200L + i).setRequests(1).setStatus(UsageStatus.ok);
                byte[] bytes = usage.serialize(prefix + ".usage", event.build());
                producer.send(new ProducerRecord<>(prefix + ".usage", tenant, bytes)).get();
                if (i % 7 == 0) {
                    producer.send(new ProducerRecord<>(prefix + ".usage", tenant, bytes)).get(); // a retry, counted once
                }
            }
            producer.send(new ProducerRecord<>(prefix + ".usage", "acme", new byte[] {9, 9, 9})).get(); // not Avro: rejected
        }

        Map<String, Object> settings = new HashMap<>();
        settings.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        settings.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, cluster.registryUrl());
        settings.put(LedgerStreamsConfig.APPLICATION_ID_CONFIG, prefix + "-app");
        for (String topic : List.of("usage", "prices", "policies", "rejected", "breaches", "holds", "decisions")) {
            settings.put("ledger." + topic + ".topic", prefix + "." + topic);
        }
        settings.put(LedgerStreamsConfig.HOLD_REQUESTS_TOPIC_CONFIG, prefix + ".hold-requests");
        settings.put(LedgerStreamsConfig.HOLD_JOURNAL_TOPIC_CONFIG, prefix + ".hold-journal");
        settings.put(LedgerStreamsConfig.RATED_TOPIC_CONFIG, prefix + ".rated");
        settings.put(LedgerStreamsConfig.SEEDS_TOPIC_CONFIG, prefix + ".seeds");
        settings.put(LedgerStreamsConfig.DIRECTORY_TOPIC_CONFIG, prefix + ".directory");
        settings.put(LedgerStreamsConfig.GLOBAL_USAGE_TOPIC_CONFIG, prefix + ".global-usage");
        settings.put(LedgerStreamsConfig.GLOBAL_COUNTERS_TOPIC_CONFIG, prefix + ".global-counters");
        settings.put(LedgerStreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        settings.put(ServiceConfig.HTTP_PORT_CONFIG, 0);
        settings.put(ServiceConfig.AUTH_TOKENS_CONFIG, "admin=" + ADMIN);
        try (LedgerService service = LedgerService.start(new ServiceConfig(settings))) {
            Await.until(() -> service.streams().state() == KafkaStreams.State.RUNNING, Duration.ofSeconds(60), "the ledger to run");
            Await.until(() -> applied(service) >= 60 + 9 + 1, Duration.ofSeconds(60), "every usage record to be applied");
            String from = hour.toString();
            String to = hour.plus(1, ChronoUnit.HOURS).toString();

            Result audit = audit(cluster, prefix, prefix + ".prices", service.apiUri().toString(), from, to, dir.resolve("report"));

            assertThat(audit.exit()).as(audit.output()).isZero();
            JsonNode summary = new ObjectMapper().readTree(dir.resolve("report/summary.json").toFile());
            assertThat(summary.get("counted").asLong()).isEqualTo(60);
            assertThat(summary.get("duplicates").asLong()).isEqualTo(9);
            assertThat(summary.get("rejected").get("wrong_magic_byte").asLong()).isEqualTo(1);
            assertThat(summary.get("unpriced").asLong()).isEqualTo(6);
            assertThat(summary.get("reconciliation").get("mismatches").asLong()).isZero();
            assertThat(summary.get("reconciliation").get("compared").asLong()).isGreaterThan(10);
            assertThat(summary.get("partitions").findValuesAsText("sha256")).allMatch(h -> h.matches("[0-9a-f]{64}"));
            assertThat(Files.readAllLines(dir.resolve("report/events.csv"))).hasSize(61);
            assertThat(Files.readString(dir.resolve("report/totals.csv"))).contains("acme,tenant:acme,month,")
                    .as("the key's events, with the teams of the directory at their time").contains("acme,team:acme-research,month,")
                    .contains("acme,team:acme-ops,month,").contains("acme,user:acme-keyholder,month,");
            assertThat(Files.readAllLines(dir.resolve("report/reconciliation.csv")).stream().skip(1)).allMatch(l -> l.endsWith(",true"));

            assertThat(summary.get("totals").get("cost_micros").asLong()).as("both prices applied, each in its time")
                    .isEqualTo(expectedCost(hour));

            // Given a price book that is not the ledger's, the audit's costs differ and it says so
            Result mismatch = audit(cluster, prefix, prefix + ".no-prices", service.apiUri().toString(), from, to, dir.resolve("mismatch"));
            assertThat(mismatch.exit()).as(mismatch.output()).isEqualTo(1);
            assertThat(mismatch.output()).contains("mismatched");

            // Given a stand-in for the service whose answer for one total is one micro-unit off, the audit names that row
            try (OffByOne standIn = OffByOne.start(service.apiUri(), "tenant%3Aacme")) {
                Result offByOne = audit(cluster, prefix, prefix + ".prices", standIn.url(), from, to, dir.resolve("off-by-one"));
                assertThat(offByOne.exit()).as(offByOne.output()).isEqualTo(1);
                assertThat(offByOne.output()).contains("1 mismatched")
                        .containsPattern("MISMATCH tenant=acme scope=tenant:acme month \\d{4}-\\d{2} .*cost_micros audit=(\\d+) ledger=");
            }
        }

        Result usageError = run("audit", "--from", "yesterday", "--to", "2026-01-01T00:00:00Z");
        assertThat(usageError.exit()).isEqualTo(2);
    }

    private record Result(int exit, String output) {
    }

    private static Result audit(LedgerCluster cluster, String prefix, String pricesTopic, String ledgerUrl, String from, String to,
                                Path out) {
        return run("audit", "--from", from, "--to", to, "--bootstrap", cluster.bootstrapServers(), "--registry", cluster.registryUrl(),
                "--usage-topic", prefix + ".usage", "--prices-topic", pricesTopic, "--directory-topic", prefix + ".directory", "--ledger-url", ledgerUrl,
                "--token", ADMIN, "--out", out.toString());
    }

    /** What the 60 events cost: explicit prices per token, the cheaper price from second 30 on, unknown models unpriced. */
    private static long expectedCost(Instant hour) {
        long total = 0;
        for (int i = 0; i < 60; i++) {
            if (i % 10 == 9) {
                continue;
            }
            long input = 1_000L + i;
            long cached = i % 3 == 0 ? 500L : 0L;
            long output = 200L + i;
            boolean cheaper = i >= 30;
            total += dev.usageledger.streams.rules.Rating.costMicros(input, cached, output, 0, cheaper ? 200_000 : 400_000, 100_000,
                    cheaper ? 800_000 : 1_600_000);
        }
        return total;
    }

    private static Result run(String... args) {
        StringWriter output = new StringWriter();
        CommandLine command = new CommandLine(new LedgerCli());
        command.setOut(new PrintWriter(output, true));
        command.setErr(new PrintWriter(output, true));
        int exit = command.execute(args);
        System.out.println(output);
        return new Result(exit, output.toString());
    }

    private static long applied(LedgerService service) {
        long applied = 0;
        for (int p = 0; p < 3; p++) {
            applied += service.state().progress().applied(p).offset() + 1;
        }
        return applied;
    }
}
