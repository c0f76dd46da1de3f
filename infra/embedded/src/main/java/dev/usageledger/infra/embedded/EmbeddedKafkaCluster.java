package dev.usageledger.infra.embedded;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Kafka cluster in KRaft mode running inside this JVM, built from Kafka's own test kit:
 * node 0 is a combined broker and controller, nodes 1..N-1 are brokers. One node for the dev
 * stack, N for tests.
 *
 * <p>Set up for the ledger: exactly-once works on any size (transaction and offsets topics
 * replicated as far as the cluster allows), topic auto-creation is off so every topic comes
 * from the topic table, and consumer groups start without the initial rebalance delay.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
    private final KafkaClusterTestKit cluster;
    private final int brokers;

    private EmbeddedKafkaCluster(KafkaClusterTestKit cluster, int brokers) {
        this.cluster = cluster;
        this.brokers = brokers;
    }

    /** Starts a cluster of {@code brokers} combined nodes with data under a fresh temporary folder. */
    public static EmbeddedKafkaCluster start(int brokers) {
        return start(brokers, null, Map.of());
    }

    /**
     * Starts a cluster of {@code brokers} combined nodes.
     *
     * @param baseDirectory where the nodes keep their logs, or null for a temporary folder that
     *     is deleted on close
     * @param brokerConfig broker settings that override the defaults
     */
    public static EmbeddedKafkaCluster start(int brokers, Path baseDirectory, Map<String, String> brokerConfig) {
        return start(brokers, baseDirectory, brokerConfig, null);
    }

    /**
     * Starts a cluster that keeps its data in {@code baseDirectory} across restarts: the first start
     * formats the directories under {@code clusterId}; later starts with the same id and directory
     * find every topic, offset and transaction as they were (the ports are new each time).
     */
    public static EmbeddedKafkaCluster startPersistent(Path baseDirectory, String clusterId, Map<String, String> brokerConfig) {
        return start(1, Objects.requireNonNull(baseDirectory, "baseDirectory"), brokerConfig, Objects.requireNonNull(clusterId, "clusterId"));
    }

    private static EmbeddedKafkaCluster start(int brokers, Path baseDirectory, Map<String, String> brokerConfig, String clusterId) {
        if (brokers < 1) {
            throw new IllegalArgumentException("a cluster needs at least one broker, got " + brokers);
        }
        int replication = Math.min(brokers, 3);
        TestKitNodes.Builder nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(brokers)
                // One controller, as Kafka Streams' own EmbeddedKafkaCluster does: a multi-voter
                // quorum bootstrapped by the test kit fails its voter updates in 4.3.1.
                .setNumControllerNodes(1)
                .setBootstrapMetadataVersion(MetadataVersion.latestProduction());
        if (baseDirectory != null) {
            nodes.setBaseDirectory(baseDirectory);
        }
        if (clusterId != null) {
            nodes.setClusterId(clusterId);
        }
        boolean formatted = baseDirectory != null && clusterId != null && isFormatted(baseDirectory);
        Map<String, String> config = new HashMap<>();
        config.put("auto.create.topics.enable", "false");
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("offsets.topic.replication.factor", Integer.toString(replication));
        config.put("offsets.topic.num.partitions", "5");
        config.put("transaction.state.log.replication.factor", Integer.toString(replication));
        config.put("transaction.state.log.min.isr", Integer.toString(Math.max(1, replication - 1)));
        config.put("transaction.state.log.num.partitions", "5");
        config.put("share.coordinator.state.topic.replication.factor", Integer.toString(replication));
        config.put("share.coordinator.state.topic.min.isr", Integer.toString(Math.max(1, replication - 1)));
        config.put("min.insync.replicas", Integer.toString(Math.max(1, replication - 1)));
        config.put("default.replication.factor", Integer.toString(replication));
        config.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        config.putAll(brokerConfig);
        try {
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes.build())
                    .setDeleteOnClose(baseDirectory == null);
            config.forEach(builder::setConfigProp);
            KafkaClusterTestKit cluster = builder.build();
            // Faults during shutdown are expected when a test stops brokers; don't rethrow them on close.
            cluster.nonFatalFaultHandler().setIgnore(true);
            if (!formatted) {
                cluster.format();
            }
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafkaCluster(cluster, brokers);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the embedded Kafka cluster", e);
        } catch (Exception e) {
            throw new IllegalStateException("the embedded Kafka cluster did not start: " + e.getMessage(), e);
        }
    }

    private static boolean isFormatted(Path baseDirectory) {
        if (!java.nio.file.Files.isDirectory(baseDirectory)) {
            return false;
        }
        try (var files = java.nio.file.Files.walk(baseDirectory, 3)) {
            return files.anyMatch(f -> f.getFileName().toString().equals("meta.properties"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + baseDirectory, e);
        }
    }

    /** {@code host:port} of every broker, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** How many brokers the cluster has. */
    public int brokerCount() {
        return brokers;
    }

    /** Stops broker {@code id} (0-based); its controller half keeps running. */
    public void stopBroker(int id) {
        broker(id).shutdown();
        broker(id).awaitShutdown();
    }

    /** Starts broker {@code id} again on the same port with the same data. */
    public void startBroker(int id) {
        broker(id).startup();
    }

    private kafka.server.BrokerServer broker(int id) {
        return Objects.requireNonNull(cluster.brokers().get(id), () -> "no broker " + id + " in " + cluster.brokers().keySet());
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("the embedded Kafka cluster did not stop cleanly: " + e.getMessage(), e);
        }
    }
}
