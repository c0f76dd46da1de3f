package dev.usageledger.cli.bench;

import picocli.CommandLine.Command;

/** {@code ledger bench}: benchmarks that print figures, one workload per subcommand. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure the ledger on this machine and print the figures.",
        subcommands = {ProducerBench.class, TopologyBench.class, CheckBench.class})
public final class BenchCommand {
}
