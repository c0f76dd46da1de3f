package dev.usageledger.cli.serve;

import dev.usageledger.query.ConfigSources;
import dev.usageledger.query.LedgerService;
import dev.usageledger.query.ServiceConfig;
import dev.usageledger.streams.LedgerStreamsConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ledger serve}: one instance of the ledger service against given Kafka and registry
 * addresses. Settings come from the defaults, {@code --config FILE}, the environment
 * ({@code LEDGER_*}, {@code KAFKA_*}) and the flags, each overriding the one before.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run one instance of the ledger service (the topology and the HTTP API).",
                "Precedence: defaults < --config file < environment (LEDGER_*, KAFKA_* for Kafka client settings) < flags."})
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file of settings.")
    Path configFile;

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

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any other setting, e.g. --set streams.security.protocol=SASL_SSL.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Map<String, String> flags = new HashMap<>(settings);
        put(flags, LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        put(flags, LedgerStreamsConfig.REGISTRY_URL_CONFIG, registry);
        put(flags, ServiceConfig.HTTP_PORT_CONFIG, port);
        put(flags, ServiceConfig.HTTP_HOST_CONFIG, host);
        put(flags, ServiceConfig.ADVERTISED_HOST_CONFIG, advertisedHost);
        put(flags, LedgerStreamsConfig.STATE_DIR_CONFIG, stateDir);
        ServiceConfig config;
        try {
            config = new ServiceConfig(ConfigSources.layered(configFile, System.getenv(), flags,
                    warning -> System.err.println("ledger serve: " + warning)));
        } catch (IllegalArgumentException | ConfigException e) {
            System.err.println("ledger serve: " + e.getMessage());
            System.err.println("ledger serve: see ./ledger serve --help and the configuration table in README.md");
            return 2;
        }
        LedgerService service = LedgerService.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("ledger serve: stopping");
            service.close();
            stopped.countDown();
        }, "ledger-shutdown"));
        System.out.println("ledger serving: api=" + service.apiUri() + " kafka=" + config.streams().getList(
                LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG).getFirst() + " registry="
                + config.streams().getString(LedgerStreamsConfig.REGISTRY_URL_CONFIG) + " (ready at " + service.apiUri() + "/ready)");
        stopped.await();
        return 0;
    }

    private static void put(Map<String, String> flags, String key, Object value) {
        if (value != null) {
            flags.put(key, value.toString());
        }
    }
}
