package dev.usageledger.cli.serve;

import dev.usageledger.cli.SettingsOptions;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import dev.usageledger.streams.LedgerStreamsConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ledger serve}: one instance of the ledger service against given Kafka and registry
 * addresses. Settings come from the defaults, {@code --config FILE}, the environment
 * ({@code LEDGER_*}, {@code KAFKA_*}) and the flags, each overriding the one before. It runs
 * until the JVM is told to stop (SIGTERM, Ctrl-C) or, in-process, until its thread is interrupted.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run one instance of the ledger service (the topology and the HTTP API).",
                "Precedence: defaults < --config file < environment (LEDGER_*, KAFKA_* for Kafka client settings) < flags."})
public final class ServeCommand implements Callable<Integer> {
    private static final String NAME = "ledger serve";

    private final Map<String, String> environment;

    @Spec
    CommandSpec spec;

    @Mixin
    SettingsOptions options;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers (bootstrap.servers).")
    String bootstrap;

    @Option(names = "--registry", paramLabel = "URL", description = "Schema registry URL (schema.registry.url).")
    String registry;

    @Option(names = "--port", description = "HTTP port (ledger.http.port); 0 picks a free one.")
    Integer port;

    @Option(names = "--host", description = "HTTP listen address (ledger.http.host).")
    String host;

    @Option(names = "--advertised-host", description = "Host other instances forward to (ledger.advertised.host).")
    String advertisedHost;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Where the local state lives (ledger.state.dir).")
    Path stateDir;

    public ServeCommand() {
        this(System.getenv());
    }

    /** A command that reads its settings from {@code environment} instead of the process's. */
    ServeCommand(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> flags = new HashMap<>();
        flags.put(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        flags.put(LedgerStreamsConfig.REGISTRY_URL_CONFIG, registry);
        flags.put(ServiceConfig.HTTP_PORT_CONFIG, port);
        flags.put(ServiceConfig.HTTP_HOST_CONFIG, host);
        flags.put(ServiceConfig.ADVERTISED_HOST_CONFIG, advertisedHost);
        flags.put(LedgerStreamsConfig.STATE_DIR_CONFIG, stateDir);
        ServiceConfig config;
        try {
            config = new ServiceConfig(options.read(environment, flags, NAME, err));
        } catch (IllegalArgumentException | ConfigException e) {
            return SettingsOptions.refuse(NAME, e, err);
        }
        LedgerService service = LedgerService.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            err.println(NAME + ": stopping");
            err.flush();
            service.close();
            stopped.countDown();
        }, "ledger-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("ledger serving: api=" + service.apiUri() + " kafka=" + config.streams().getList(
                LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG).getFirst() + " registry="
                + config.streams().getString(LedgerStreamsConfig.REGISTRY_URL_CONFIG) + " (ready at " + service.apiUri() + "/ready)");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            // stopped from within the JVM, not by a signal: close here, and the hook has nothing left to do
            Runtime.getRuntime().removeShutdownHook(hook);
            service.close();
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
