package dev.usageledger.cli.produce;

import dev.usageledger.producer.LedgerProducerConfig;
import dev.usageledger.schemas.registry.RegistryClientConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where {@code ledger produce} and {@code ledger import} publish: flags over the settings of the same keys. */
final class PublishOptions {
    @Option(names = "--file", required = true, paramLabel = "FILE", description = "JSON-lines file, or - for standard input.")
    String file;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers (bootstrap.servers).")
    String bootstrap;

    @Option(names = "--registry", paramLabel = "URL", description = "Schema registry URL (schema.registry.url).")
    String registry;

    @Option(names = "--topic", description = "Usage topic (ledger.usage.topic).")
    String topic;

    @Option(names = "--spool-dir", paramLabel = "DIR", description = "Spool for events Kafka cannot take now (ledger.spool.dir).")
    Path spoolDir;

    /** The flags given, by setting key (null when not given). */
    Map<String, Object> flags() {
        Map<String, Object> flags = new HashMap<>();
        flags.put(LedgerProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        flags.put(RegistryClientConfig.URL_CONFIG, registry);
        flags.put(LedgerProducerConfig.TOPIC_CONFIG, topic);
        flags.put(LedgerProducerConfig.SPOOL_DIR_CONFIG, spoolDir);
        return flags;
    }

    boolean fromStandardInput() {
        return "-".equals(file);
    }
}
