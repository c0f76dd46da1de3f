package dev.usageledger.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.cli.LedgerCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Smoke mode: the benchmark harness runs end to end with tiny sizes, so it cannot rot. */
class ProducerBenchIT {

    @Test
    void shouldPrintBothRatesAndTheirRatio() {
        StringWriter out = new StringWriter();

        int exit = new CommandLine(new LedgerCli()).setOut(new PrintWriter(out))
                .execute("bench", "producer", "--events", "500", "--runs", "1");

        assertThat(exit).isZero();
        assertThat(out.toString())
                .contains("| raw KafkaProducer (Avro serializer) |")
                .contains("| ledger producer library |")
                .containsPattern("ledger/raw ratio: \\d+\\.\\d\\d");
    }
}
