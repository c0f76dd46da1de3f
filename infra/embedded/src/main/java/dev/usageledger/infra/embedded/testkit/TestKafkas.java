package dev.usageledger.infra.embedded.testkit;

import dev.usageledger.infra.embedded.EmbeddedKafkaCluster;

/**
 * Picks the Kafka a test runs against: a Testcontainers broker when a Docker engine answers,
 * else the in-JVM KRaft cluster. Either way the choice and the reason are printed, so a test
 * report always says which Kafka ran. Set {@code -Dledger.test.kafka=in-jvm} to skip the Docker
 * probe.
 */
public final class TestKafkas {
    private static volatile String dockerVerdict;

    private TestKafkas() {
    }

    /** A single-broker cluster of whichever kind this machine can run. */
    public static TestKafka start() {
        TestKafka kafka = dockerAvailable() ? ContainerTestKafka.start() : inJvm(1);
        announce("Kafka for tests: " + kafka.description() + " (" + dockerVerdict + ")");
        return kafka;
    }

    /** An in-JVM cluster of {@code brokers} nodes, for tests that stop and restart brokers. */
    public static TestKafka inJvm(int brokers) {
        return new InJvmTestKafka(EmbeddedKafkaCluster.start(brokers));
    }

    static void announce(String line) {
        System.out.println("[ledger-test] " + line);
    }

    private static synchronized boolean dockerAvailable() {
        if (dockerVerdict == null) {
            if ("in-jvm".equals(System.getProperty("ledger.test.kafka"))) {
                dockerVerdict = "in-JVM requested by -Dledger.test.kafka=in-jvm";
            } else {
                boolean available;
                try {
                    available = org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
                } catch (RuntimeException | LinkageError e) {
                    available = false;
                }
                dockerVerdict = available ? "a Docker engine answered" : "no Docker engine answered, so the in-JVM cluster runs";
            }
        }
        return dockerVerdict.startsWith("a Docker");
    }
}
