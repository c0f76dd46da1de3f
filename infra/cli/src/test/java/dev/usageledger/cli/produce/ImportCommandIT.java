package dev.usageledger.cli.produce;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.usageledger.cli.LedgerCli;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import dev.usageledger.query.ConfigSources;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.registry.RestSchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.rules.Rating;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ledger import} into a running ledger: 90 days of history for three tenants (a price change
 * half-way, duplicate lines), then live usage overlapping the import's last day with shared ids,
 * then the same import again. Every day and month total of every tenant equals a sum computed here
 * from the distinct events, to the micro-unit; every budget counter of a period still open equals
 * the sum of its period; the second import changes nothing; {@code ledger audit} over the 90 days
 * agrees with the service on every total.
 */
@ExtendWith(LedgerClusterExtension.class)
class ImportCommandIT {
    private static final String ADMIN = "admin-token-import-it-0001";
    private static final List<String> TOPICS = List.of("usage", "policies", "prices", "rejected", "breaches", "holds", "decisions",
            "hold.requests", "hold.journal", "rated", "seeds", "directory", "global.usage", "global.counters");
    private static final List<String> TENANTS = List.of("acme", "globex", "initech");
    private static final int DAYS = 90;
    private static final int PARTITIONS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldCountNinetyDaysOfHistoryOnceBesideLiveUsage(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("import");
        Path config = config(cluster, prefix);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant priceChange = now.minus(Duration.ofDays(DAYS / 2)).truncatedTo(ChronoUnit.DAYS);
        publishPrices(cluster, prefix, priceChange);
        Map<String, Call> distinct = new TreeMap<>();
        List<String> history = history(now, priceChange, distinct);
        int historyIds = distinct.size(); // every 25th line is sent twice in the file
        Path file = dir.resolve("history.jsonl");
        Files.write(file, history);

        try (LedgerService service = LedgerService.start(new ServiceConfig(ConfigSources.layered(config, Map.of(), Map.of(), w -> { })))) {
            Await.until(() -> service.streams().state() == KafkaStreams.State.RUNNING, Duration.ofSeconds(60), "the ledger to run");
            URI api = service.apiUri();
            for (String tenant : TENANTS) {
                put(api, "/v1/policies/" + tenant + "-month", """
                        {"policy_id": "%s-month", "tenant_id": "%s", "subject": {"type": "tenant", "id": "%s"}, "metric": "cost_micros",
                         "limit": 900000000000, "period": {"kind": "month", "time_zone": "UTC"}, "thresholds": [50, 80, 100],
                         "enforce": true}""".formatted(tenant, tenant, tenant));
                // a budget of one micro-unit a day per user: each user's first call of a day crosses it
                put(api, "/v1/policies/" + tenant + "-user-day", """
                        {"policy_id": "%s-user-day", "tenant_id": "%s", "subject": {"type": "user", "id": "*"}, "metric": "cost_micros",
                         "limit": 1, "period": {"kind": "day", "time_zone": "UTC"}, "thresholds": [80], "enforce": true}""".formatted(tenant, tenant));
            }
            for (String tenant : TENANTS) { // in the book before the tenant's first event, so its crossings are the events'
                Await.until(() -> policies(api, tenant) == 2, Duration.ofSeconds(30), tenant + "'s budgets in the policy book");
            }
            live(cluster, prefix, now, "live-before", 0, distinct); // the ledger was running before the import

            // When the history is imported, live usage follows (sharing ids with the import's last day), and the import runs again
            Result first = run(new ImportCommand(Map.of()), "--config", config.toString(), "--file", file.toString());
            assertThat(first.exit()).as(first.output()).isZero();
            assertThat(first.output()).contains("import history.jsonl: " + String.format("%,d", history.size()) + " events published");
            assertThat(first.output()).contains(String.format("the ledger processed every event: %,d counted, %,d duplicates of events it had"
                    + " already counted, 0 rejected", historyIds, history.size() - historyIds));
            live(cluster, prefix, now, "live-after", 1, distinct);
            Result again = run(new ImportCommand(Map.of()), "--config", config.toString(), "--file", file.toString(), "--name", "again");
            assertThat(again.exit()).as(again.output()).isZero();
            assertThat(again.output()).contains(String.format("the ledger processed every event: 0 counted, %,d duplicates", history.size()));
            awaitApplied(cluster, prefix, service);

            // Then every day and month total of every tenant and user is the sum of the distinct events, once the
            // reporting part has read what enforcement committed (it reads the rated topic read_committed)
            Map<String, Long> expected = sums(distinct);
            Await.until(() -> reported(api, expected), Duration.ofSeconds(60), "the reports to include every counted event");
            for (Map.Entry<String, Long> total : expected.entrySet()) {
                String[] parts = total.getKey().split("\\|");
                JsonNode usage = get(api, "/v1/tenants/" + parts[0] + "/usage?scope=" + parts[1] + "&from=" + parts[2] + "&to="
                        + parts[3]);
                assertThat(usage.get("cost_micros").asLong()).as(total.getKey()).isEqualTo(total.getValue());
            }
            // and every counter of a budget period still open (ended less than the grace ago) is the sum of its period
            for (String tenant : TENANTS) {
                Instant monthStart = YearMonth.from(now.atZone(ZoneOffset.UTC)).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
                assertThat(used(api, tenant, "tenant:" + tenant, now, tenant + "-month"))
                        .isEqualTo(sum(distinct, tenant, null, monthStart, now.plusSeconds(1)));
                Instant yesterday = now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(1));
                long yesterdays = 0;
                for (int u = 0; u < 3; u++) {
                    String user = tenant + "-u" + u;
                    long used = used(api, tenant, "user:" + user, yesterday.plus(Duration.ofHours(12)), tenant + "-user-day");
                    assertThat(used).as(user).isEqualTo(sum(distinct, tenant, user, yesterday, yesterday.plus(Duration.ofDays(1))));
                    yesterdays += used;
                }
                assertThat(yesterdays).as("history of the day before, in open budget periods").isPositive();
            }
            // and a crossing found by the import says so, one by live usage does not (acme-u1's day today crossed
            // live, before the import); each crossing is emitted once
            List<String> importFound = new ArrayList<>();
            List<String> liveFound = new ArrayList<>();
            List<String> crossed = new ArrayList<>();
            for (JsonNode breach : get(api, "/v1/tenants/acme/breaches").get("breaches")) {
                (breach.get("found_by_import").asBoolean() ? importFound : liveFound).add(breach.get("crossing_event_id").asText());
                crossed.add(breach.get("policy_id").asText() + breach.get("subject") + breach.get("period_start") + breach.get("threshold"));
            }
            assertThat(importFound).isNotEmpty().allMatch(id -> id.startsWith("h-"));
            assertThat(liveFound).isNotEmpty().allMatch(id -> id.startsWith("live-before-"));
            assertThat(crossed).doesNotHaveDuplicates();

            // and the audit over the 90 days counts the same events and agrees with the service on every total
            Instant from = now.minus(Duration.ofDays(DAYS + 1)).truncatedTo(ChronoUnit.HOURS);
            Instant to = now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
            Result audit = run(new LedgerCli(), "audit", "--config", config.toString(), "--from", from.toString(), "--to", to.toString(),
                    "--ledger-url", api.toString(), "--token", ADMIN, "--out", dir.resolve("audit").toString());
            assertThat(audit.exit()).as(audit.output()).isZero();
            JsonNode summary = JSON.readTree(dir.resolve("audit/summary.json").toFile());
            long inRange = distinct.values().stream().filter(c -> !c.at().isBefore(from) && c.at().isBefore(to)).count();
            assertThat(summary.get("counted").asLong()).isEqualTo(inRange);
            assertThat(summary.get("totals").get("cost_micros").asLong())
                    .isEqualTo(distinct.values().stream().filter(c -> !c.at().isBefore(from) && c.at().isBefore(to)).mapToLong(Call::cost).sum());
            assertThat(summary.get("reconciliation").get("compared").asLong()).isGreaterThan(DAYS * TENANTS.size());
            assertThat(summary.get("reconciliation").get("mismatches").asLong()).isZero();
        }
    }

    /** An event as counted: its tenant, user, time and cost. */
    private record Call(String tenant, String user, Instant at, long cost) {
    }

    /**
     * Eight calls a day per tenant over the 90 days before {@code now} (up to an hour ago), half of
     * them priced by the caller, the rest rated by the price in force; every 25th line is written
     * twice (a retried export row).
     */
    private static List<String> history(Instant now, Instant priceChange, Map<String, Call> distinct) {
        SplittableRandom random = new SplittableRandom(20261207);
        List<String> lines = new ArrayList<>();
        Instant start = now.minus(Duration.ofDays(DAYS));
        for (Instant at = start; at.isBefore(now.minus(Duration.ofHours(1))); at = at.plus(Duration.ofHours(3))) {
            for (String tenant : TENANTS) {
                Instant occurred = at.plusSeconds(random.nextInt(3_600));
                String user = tenant + "-u" + random.nextInt(3);
                long input = 100 + random.nextInt(5_000);
                long output = 10 + random.nextInt(2_000);
                Long given = random.nextBoolean() ? (long) random.nextInt(1_000_000) : null;
                String id = "h-" + tenant + "-" + occurred.toEpochMilli();
                String line = "{\"event_id\":\"" + id + "\",\"tenant_id\":\"" + tenant + "\",\"user_id\":\"" + user
                        + "\",\"occurred_at\":\"" + occurred + "\",\"provider\":\"openai\",\"model\":\"gpt-4.1-mini\",\"input_tokens\":"
                        + input + ",\"output_tokens\":" + output + (given == null ? "" : ",\"cost_micros\":" + given) + "}";
                lines.add(line);
                if (lines.size() % 25 == 0) {
                    lines.add(line);
                }
                distinct.put(tenant + "|" + id, new Call(tenant, user, occurred, given != null ? given : cost(input, output, occurred, priceChange)));
            }
        }
        return lines;
    }

    private static long cost(long input, long output, Instant at, Instant priceChange) {
        return at.isBefore(priceChange) ? Rating.costMicros(input, 0, output, 0, 400_000, 100_000, 1_600_000)
                : Rating.costMicros(input, 0, output, 0, 200_000, 50_000, 800_000);
    }

    private static void publishPrices(LedgerCluster cluster, String prefix, Instant priceChange) throws Exception {
        try (RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrl(cluster.registryUrl());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            AvroSerializer<PriceChange> prices = new AvroSerializer<>(registry, true, false);
            PriceChange before = PriceChange.newBuilder().setProvider("openai").setModel("gpt-4.1-mini")
                    .setEffectiveFrom(Instant.parse("2020-01-01T00:00:00Z")).setCurrency("USD").setInputMicrosPerMtok(400_000)
                    .setCachedInputMicrosPerMtok(100_000).setOutputMicrosPerMtok(1_600_000).build();
            PriceChange after = PriceChange.newBuilder(before).setEffectiveFrom(priceChange).setInputMicrosPerMtok(200_000)
                    .setCachedInputMicrosPerMtok(50_000).setOutputMicrosPerMtok(800_000).build();
            for (PriceChange price : List.of(before, after)) {
                producer.send(new ProducerRecord<>(prefix + ".prices", "openai/gpt-4.1-mini@" + price.getEffectiveFrom().toEpochMilli(),
                        prices.serialize(prefix + ".prices", price))).get();
            }
        }
    }

    /**
     * Live usage through {@code ledger produce}: two calls per tenant now, and copies of the import's
     * calls of the last day (same ids, as a gateway re-sending them would) when {@code round} is 1.
     */
    private void live(LedgerCluster cluster, String prefix, Instant now, String idPrefix, int round, Map<String, Call> distinct)
            throws Exception {
        List<String> lines = new ArrayList<>();
        for (String tenant : TENANTS) {
            for (int i = 0; i < 2; i++) {
                String id = idPrefix + "-" + tenant + "-" + i;
                lines.add("{\"event_id\":\"" + id + "\",\"tenant_id\":\"" + tenant + "\",\"user_id\":\"" + tenant + "-u1\",\"occurred_at\":\""
                        + now + "\",\"provider\":\"openai\",\"model\":\"gpt-4.1-mini\",\"cost_micros\":" + (1_000 + i) + "}");
                distinct.put(tenant + "|" + id, new Call(tenant, tenant + "-u1", now, 1_000 + i));
            }
        }
        if (round == 1) {
            Instant lastDay = now.minus(Duration.ofDays(1));
            for (String line : Files.readAllLines(dir.resolve("history.jsonl"))) {
                int at = line.indexOf("\"occurred_at\":\"") + 15;
                if (Instant.parse(line.substring(at, line.indexOf('"', at))).isAfter(lastDay)) {
                    lines.add(line);
                }
            }
        }
        Path file = dir.resolve(idPrefix + ".jsonl");
        Files.write(file, lines);
        Result produced = run(new ProduceCommand(Map.of()), "--bootstrap", cluster.bootstrapServers(), "--registry", cluster.registryUrl(),
                "--topic", prefix + ".usage", "--spool-dir", dir.resolve("spool-" + idPrefix).toString(), "--file", file.toString());
        assertThat(produced.exit()).as(produced.output()).isZero();
    }

    /** Per tenant and user, each UTC day and month of the distinct calls: {@code tenant|scope|from|to} to its cost. */
    private static Map<String, Long> sums(Map<String, Call> distinct) {
        Map<String, Long> sums = new TreeMap<>();
        for (Call call : distinct.values()) {
            LocalDate day = call.at().atZone(ZoneOffset.UTC).toLocalDate();
            YearMonth month = YearMonth.from(day);
            for (String scope : List.of("tenant:" + call.tenant(), "user:" + call.user())) {
                sums.merge(call.tenant() + "|" + scope + "|" + day.atStartOfDay(ZoneOffset.UTC).toInstant() + "|"
                        + day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(), call.cost(), Long::sum);
                sums.merge(call.tenant() + "|" + scope + "|" + month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant() + "|"
                        + month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(), call.cost(), Long::sum);
            }
        }
        return sums;
    }

    private static long sum(Map<String, Call> distinct, String tenant, String user, Instant from, Instant to) {
        return distinct.values().stream().filter(c -> c.tenant().equals(tenant) && (user == null || c.user().equals(user))
                && !c.at().isBefore(from) && c.at().isBefore(to)).mapToLong(Call::cost).sum();
    }

    private long used(URI api, String tenant, String scope, Instant at, String policyId) throws Exception {
        JsonNode status = get(api, "/v1/tenants/" + tenant + "/status?scope=" + scope + "&at=" + at);
        for (JsonNode budget : status.get("budgets")) {
            if (budget.get("policy_id").asText().equals(policyId)) {
                return budget.get("used").asLong();
            }
        }
        throw new AssertionError("no budget " + policyId + " in " + status);
    }

    /** Waits until the service has applied every usage record published so far. */
    private static void awaitApplied(LedgerCluster cluster, String prefix, LedgerService service) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(prefix + ".usage", p), OffsetSpec.latest());
        }
        Map<Integer, Long> ends = new HashMap<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            admin.listOffsets(latest).all().get().forEach((partition, info) -> ends.put(partition.partition(), info.offset()));
        }
        Await.until(() -> ends.entrySet().stream().allMatch(e -> service.state().progress().applied(e.getKey()).offset() + 1 >= e.getValue()),
                Duration.ofSeconds(120), "every usage record to be applied");
    }

    /** Whether every tenant's month totals are the expected ones yet. */
    private boolean reported(URI api, Map<String, Long> expected) {
        try {
            for (Map.Entry<String, Long> total : expected.entrySet()) {
                String[] parts = total.getKey().split("\\|");
                if (Duration.between(Instant.parse(parts[2]), Instant.parse(parts[3])).toDays() > 1 && get(api, "/v1/tenants/" + parts[0]
                        + "/usage?scope=" + parts[1] + "&from=" + parts[2] + "&to=" + parts[3]).get("cost_micros").asLong()
                        != total.getValue()) {
                    return false;
                }
            }
            return true;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private int policies(URI api, String tenant) {
        try {
            return get(api, "/v1/tenants/" + tenant + "/policies").get("policies").size();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode get(URI api, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(api.resolve(path)).header("Authorization", "Bearer " + ADMIN).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                return JSON.readTree(response.body());
            }
            // 503: the reporting part still sums what was counted; asked again
            if (response.statusCode() != 503 || System.nanoTime() > deadline) {
                throw new AssertionError(path + " answered " + response.statusCode() + ": " + response.body());
            }
            Thread.sleep(250);
        }
    }

    private void put(URI api, String path, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(api.resolve(path)).header("Authorization", "Bearer " + ADMIN)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private Path config(LedgerCluster cluster, String prefix) throws Exception {
        List<String> lines = new ArrayList<>(List.of("bootstrap.servers=" + cluster.bootstrapServers(),
                "schema.registry.url=" + cluster.registryUrl(), "ledger.application.id=" + prefix + "-app",
                "ledger.state.dir=" + dir.resolve("state"), "ledger.http.port=0", "ledger.auth.tokens=admin=" + ADMIN,
                "ledger.spool.dir=" + dir.resolve("spool")));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            List<TopicSpec> topics = new ArrayList<>();
            for (String topic : TOPICS) {
                boolean compacted = topic.equals("policies") || topic.equals("prices") || topic.equals("directory")
                        || topic.equals("global.counters");
                topics.add(new TopicSpec(prefix + "." + topic, PARTITIONS, compacted ? Map.of("cleanup.policy", "compact") : Map.of()));
                lines.add("ledger." + topic + ".topic=" + prefix + "." + topic);
            }
            TopicAdmin.ensure(admin, topics);
        }
        Path config = dir.resolve("ledger.properties");
        Files.write(config, lines);
        return config;
    }

    private record Result(int exit, String output) {
    }

    private static Result run(Object command, String... args) {
        StringWriter output = new StringWriter();
        int exit = new CommandLine(command).setOut(new PrintWriter(output, true)).setErr(new PrintWriter(output, true)).execute(args);
        System.out.println(output.toString().lines().filter(l -> !l.startsWith("\r")).limit(40).reduce("", (a, b) -> a + b + "\n"));
        return new Result(exit, output.toString());
    }
}
