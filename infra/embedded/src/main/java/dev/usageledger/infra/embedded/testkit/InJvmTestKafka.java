package dev.usageledger.infra.embedded.testkit;

import dev.usageledger.infra.embedded.EmbeddedKafkaCluster;

/** The in-JVM KRaft cluster as a {@link TestKafka}. */
final class InJvmTestKafka implements TestKafka {
    private final EmbeddedKafkaCluster cluster;

    InJvmTestKafka(EmbeddedKafkaCluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public int brokerCount() {
        return cluster.brokerCount();
    }

    @Override
    public String description() {
        return "in-JVM KRaft cluster (Kafka's own test kit), " + cluster.brokerCount() + " broker(s) at " + bootstrapServers();
    }

    @Override
    public void stopBroker(int id) {
        cluster.stopBroker(id);
    }

    @Override
    public void startBroker(int id) {
        cluster.startBroker(id);
    }

    @Override
    public void close() {
        cluster.close();
    }
}
