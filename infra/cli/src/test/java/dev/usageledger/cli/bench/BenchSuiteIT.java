package dev.usageledger.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.usageledger.cli.LedgerCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ledger bench} in smoke mode, so the suite's harness cannot rot: every section runs end to
 * end on tiny sizes and lands in the JSON and Markdown results with a figure.
 */
class BenchSuiteIT {

    @Test
    void shouldWriteEveryFigureOfTheSuiteInSmokeMode(@TempDir Path results) throws Exception {
        StringWriter output = new StringWriter();
        CommandLine command = new CommandLine(new LedgerCli());
        command.setOut(new PrintWriter(output, true));

        int exit = command.execute("bench", "--smoke", "--out", results.toString());

        System.out.println(output);
        assertThat(exit).isZero();
        Path json;
        try (Stream<Path> files = Files.list(results)) {
            json = files.filter(f -> f.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        assertThat(json.resolveSibling(json.getFileName().toString().replace(".json", ".md"))).exists();
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        boolean peerSkipped = root.path("skipped").has("PostgreSQL peer");
        if (peerSkipped) {
            System.err.println("!!! BenchSuiteIT: the PostgreSQL peer was SKIPPED on this machine: "
                    + root.path("skipped").path("PostgreSQL peer").asText() + " — its rows were not checked !!!");
        }

        List<String> jobs = new ArrayList<>();
        root.path("ingest").forEach(job -> {
            jobs.add(job.path("job").asText());
            assertThat(job.path("median_per_second").asDouble()).as(job.path("job").asText()).isPositive();
        });
        assertThat(jobs).contains("raw KafkaProducer append (limit)", "raw KafkaConsumer read (limit)",
                "plain Kafka Streams DSL sum per tenant", "ledger topology", "ledger audit, replay", "ledger audit, whole command");
        List<String> paths = new ArrayList<>();
        root.path("latency").forEach(row -> {
            paths.add(row.path("path").asText() + " @" + row.path("history_events").asLong());
            assertThat(row.path("samples").asInt()).as(row.path("path").asText()).isPositive();
            assertThat(row.path("p99_us").asDouble()).isGreaterThanOrEqualTo(row.path("p50_us").asDouble());
        });
        assertThat(paths).contains("ledger POST /v1/check over loopback HTTP @500", "ledger POST /v1/check over loopback HTTP @5000",
                "HTTP floor: the same service's GET /health over loopback HTTP (no state read) @500", "freshness: publish acknowledged -> applied, visible to checks @5000",
                "ledger POST /v1/holds: hold decided, journaled and acknowledged, over loopback HTTP @5000",
                "Kafka floor beside the holds: one acknowledged write per request (idempotent producer, acks=all) @5000",
                "HTTP floor beside the holds: GET /health over loopback HTTP (no state read) @5000",
                "Kafka floor beside the holds: one group-committed transaction per batch of waiting requests, one record each, acks=all @5000");
        List<String> goals = new ArrayList<>();
        root.path("goals").forEach(goal -> goals.add(goal.path("goal").asText()));
        assertThat(goals).contains("ledger topology vs plain DSL sum", "ledger check p99 growth with 10x history", "freshness p99",
                "ledger audit vs raw consumer read", "hold placement p99 at 100/s", "hold placement p99.9 at 100/s");
        if (!peerSkipped) {
            assertThat(jobs).contains("PostgreSQL ledger");
            assertThat(paths).contains("PostgreSQL check: tenant and user counter rows (JDBC) @5000",
                    "PostgreSQL check: SUM over the month's usage rows, indexed (JDBC) @5000");
            assertThat(goals).contains("ledger topology vs PostgreSQL ledger");
        }
    }
}
