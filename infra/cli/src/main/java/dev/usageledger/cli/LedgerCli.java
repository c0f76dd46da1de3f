package dev.usageledger.cli;

import dev.usageledger.cli.audit.AuditCommand;
import dev.usageledger.cli.bench.BenchCommand;
import dev.usageledger.cli.dev.DevCommand;
import dev.usageledger.cli.produce.ImportCommand;
import dev.usageledger.cli.produce.ProduceCommand;
import dev.usageledger.cli.serve.ServeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ledger} command: one subcommand per package. */
@Command(name = "ledger", mixinStandardHelpOptions = true, version = "ledger 0.1.0",
        description = "The usage ledger: serve it, publish usage events, measure it.",
        subcommands = {DevCommand.class, ServeCommand.class, ProduceCommand.class, ImportCommand.class, AuditCommand.class, BenchCommand.class})
public final class LedgerCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LedgerCli()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. ledger produce --help");
    }
}
