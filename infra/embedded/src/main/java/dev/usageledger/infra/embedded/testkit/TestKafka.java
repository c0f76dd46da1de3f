package dev.usageledger.infra.embedded.testkit;

/** A Kafka cluster for tests: in-JVM (KRaft) or a Testcontainers container. */
public interface TestKafka extends AutoCloseable {

    /** {@code bootstrap.servers} for clients. */
    String bootstrapServers();

    /** Number of brokers. */
    int brokerCount();

    /** What runs, for the test output, e.g. "in-JVM KRaft cluster, 1 broker". */
    String description();

    /** Stops broker {@code id}; {@link UnsupportedOperationException} where the kind cannot. */
    void stopBroker(int id);

    /** Starts broker {@code id} again with its data, on the same address. */
    void startBroker(int id);

    @Override
    void close();
}
