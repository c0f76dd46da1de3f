package dev.usageledger.infra.embedded.testkit;

import org.testcontainers.kafka.KafkaContainer;

/** A single-broker {@code apache/kafka} container as a {@link TestKafka}. */
final class ContainerTestKafka implements TestKafka {
    static final String IMAGE = "apache/kafka:4.3.1";

    private final KafkaContainer container;

    private ContainerTestKafka(KafkaContainer container) {
        this.container = container;
    }

    @SuppressWarnings("resource") // closed by close()
    static ContainerTestKafka start() {
        KafkaContainer container = new KafkaContainer(IMAGE)
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
        container.start();
        return new ContainerTestKafka(container);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public int brokerCount() {
        return 1;
    }

    @Override
    public String description() {
        return "Testcontainers " + IMAGE + ", 1 broker at " + bootstrapServers();
    }

    @Override
    public void stopBroker(int id) {
        // A restarted container comes back on a new mapped port, which breaks the bootstrap address.
        throw new UnsupportedOperationException("a container broker cannot be restarted on the same address; "
                + "tests that stop brokers use TestKafkas.inJvm(n)");
    }

    @Override
    public void startBroker(int id) {
        stopBroker(id);
    }

    @Override
    public void close() {
        container.stop();
    }
}
