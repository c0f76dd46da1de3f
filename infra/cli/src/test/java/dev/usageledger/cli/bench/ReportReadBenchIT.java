package dev.usageledger.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.cli.LedgerCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Smoke mode: a few days of history for a few tenants go through the reporting part and every
 * kind of read is timed, so the harness cannot rot; its own check (each tenant's month read back
 * equal to what it generated) fails the command on a mismatch.
 */
class ReportReadBenchIT {

    @Test
    void shouldIngestHistoryReadEveryKindAndAgreeWithWhatItGenerated() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = new CommandLine(new LedgerCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("bench", "reports", "--events", "3000", "--tenants", "5", "--users-per-tenant", "10", "--days", "35",
                        "--reads", "20");

        assertThat(exit).as(out + "\n" + err).isZero();
        assertThat(out.toString()).doesNotContain("MISMATCH")
                .containsPattern("\\| tenant's month usage, Asia/Kolkata \\| 20 \\| [\\d.]+ \\| [\\d.]+ \\|")
                .containsPattern("\\| tenant's daily trend, 30 days, America/New_York \\| 20 \\|");
    }
}
