package dev.usageledger.cli.bench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ledger bench}: without a subcommand, the whole suite side by side on one workload
 * (ingest, check latency, freshness, audit; the ledger against raw Kafka, a plain Kafka Streams
 * job and a PostgreSQL ledger), written to {@code infra/bench-results/}. Each subcommand runs one
 * benchmark alone, with more options.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the ledger on this machine against raw Kafka, a plain Kafka Streams job and a PostgreSQL ledger,",
                "on one generated workload, and write the figures to --out as <timestamp>.json and .md."},
        subcommands = {ProducerBench.class, TopologyBench.class, ReportReadBench.class, CheckBench.class})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--events", defaultValue = "150000", description = "Events each ingest job reads (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--tenants", defaultValue = "1000", description = "Tenants (default: ${DEFAULT-VALUE}).")
    int tenants;

    @Option(names = "--users", defaultValue = "100000", description = "Users, over all tenants (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--api-keys", defaultValue = "5000", description = "API keys, over all tenants (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--models", defaultValue = "50", description = "Models in the price book (default: ${DEFAULT-VALUE}).")
    int models;

    @Option(names = "--seed", defaultValue = "20261123", description = "Seed of the generated workload (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--repeats", defaultValue = "3", description = "Runs of each ingest job; the table shows medians (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--history", defaultValue = "20000",
            description = "Events of history before the first check runs; the second run has ten times more (default: ${DEFAULT-VALUE}).")
    int history;

    @Option(names = "--rates", defaultValue = "1000,5000", split = ",", description = "Checks per second (default: ${DEFAULT-VALUE}).")
    List<Integer> rates;

    @Option(names = "--hold-rates", defaultValue = "500,2000", split = ",",
            description = "Hold placements per second, each run beside its HTTP and transaction floors (default: ${DEFAULT-VALUE}).")
    List<Integer> holdRates;

    @Option(names = "--seconds", defaultValue = "15", description = "Length of each check run (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--ingest-rate", defaultValue = "1000",
            description = "Events per second ingested while checks run (default: ${DEFAULT-VALUE}).")
    int ingestRate;

    @Option(names = "--freshness-samples", defaultValue = "200", description = "Freshness samples (default: ${DEFAULT-VALUE}).")
    int freshnessSamples;

    @Option(names = "--peer-threads", defaultValue = "8", description = "PostgreSQL client threads (default: ${DEFAULT-VALUE}).")
    int peerThreads;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the usage topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--no-postgres", description = "Leave the PostgreSQL peer out.")
    boolean noPostgres;

    @Option(names = "--smoke", description = "Tiny sizes, one run each: checks that the harness works, measures nothing worth keeping.")
    boolean smoke;

    @Option(names = "--out", defaultValue = "infra/bench-results", description = "Directory for the results (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter writer = spec.commandLine().getOut();
        if (smoke) {
            events = 3_000;
            tenants = 20;
            users = 200;
            keys = 40;
            models = 5;
            repeats = 1;
            history = 500;
            rates = List.of(200);
            holdRates = List.of(100);
            seconds = 2;
            ingestRate = 100;
            freshnessSamples = 10;
            peerThreads = 2;
        }
        Workload workload = new Workload(seed, tenants, users, keys, models,
                Instant.now().minus(java.time.Duration.ofDays(2)).truncatedTo(ChronoUnit.HOURS), 50);
        writer.printf("bench: %,d events; %,d tenants, %,d users, %,d API keys, %d models; seed %d; %d runs per ingest job%s%n",
                events, tenants, users, keys, models, seed, repeats, smoke ? " (smoke mode: figures are not meaningful)" : "");
        writer.flush();
        new BenchSuite(new BenchSuite.Settings(workload, events, history, repeats, rates, holdRates, seconds, ingestRate, freshnessSamples,
                peerThreads, partitions, !noPostgres), writer).run(out);
        return 0;
    }
}
