package dev.usageledger.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.cli.LedgerCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The check-latency bench in smoke mode, so the harness cannot rot: it runs end to end and prints every row. */
class CheckBenchIT {

    @Test
    void shouldPrintLatencyFiguresForEveryPathInSmokeMode() {
        StringWriter output = new StringWriter();
        CommandLine command = new CommandLine(new LedgerCli());
        command.setOut(new PrintWriter(output, true));

        int exit = command.execute("bench", "check", "--tenants", "5", "--users", "5", "--history", "200", "--rates", "100",
                "--seconds", "2", "--ingest-rate", "50", "--hold-rates", "20", "--freshness-samples", "10", "--in-process", "2000",
                "--connections", "4", "--hold-connections", "8", "--partitions", "2");

        System.out.println(output);
        assertThat(exit).isZero();
        assertThat(output.toString())
                .containsPattern("\\| in-process decision \\(route \\+ stores \\+ decide\\) \\| 2,000 \\| [\\d,.]+ µs")
                .containsPattern("\\| HTTP at 100/s, 200 events of history \\| 200 \\| [\\d,.]+ µs")
                .containsPattern("\\| HTTP at 100/s, 2000 events of history \\| 200 \\|")
                .containsPattern("\\| HTTP floor: GET /health at 100/s \\(no state read\\) \\| 200 \\| [\\d,.]+ µs")
                .containsPattern("\\| HTTP holds placed at 20/s \\(8 connections\\) \\| 40 \\| [\\d,.]+ µs")
                .containsPattern("\\| freshness: publish acknowledged -> applied, visible to checks \\| 10 \\| [\\d,.]+ µs")
                .contains("p99 with 10x history vs before");
    }
}
