package dev.usageledger.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.cli.LedgerCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Smoke mode: both jobs consume a tiny pre-loaded input end to end, so the harness cannot rot. */
class TopologyBenchIT {

    @Test
    void shouldRunBothJobsWithOneAndTwoThreadsAndPrintTheRatio() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = new CommandLine(new LedgerCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("bench", "topology", "--events", "2000", "--tenants", "20");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString())
                .containsPattern("\\| plain DSL sum per tenant \\| 1 \\| [\\d,]+ \\| [\\d.]+ \\| \\d+\\.\\d\\d \\|")
                .containsPattern("\\| full ledger topology \\| 2 \\| [\\d,]+ \\|")
                .containsPattern("ledger/plain ratio: 1 thread \\d+\\.\\d\\d, 2 threads \\d+\\.\\d\\d");
    }
}
