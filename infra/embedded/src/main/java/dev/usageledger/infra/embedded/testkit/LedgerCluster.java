package dev.usageledger.infra.embedded.testkit;

import dev.usageledger.infra.embedded.registry.EmbeddedSchemaRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared Kafka and schema registry of one test JVM. Tests isolate themselves by names
 * ({@link #uniqueName}), not by clusters, since each cluster start costs seconds.
 */
public final class LedgerCluster implements AutoCloseable {
    private static final AtomicInteger NAMES = new AtomicInteger();

    private final TestKafka kafka;
    private final EmbeddedSchemaRegistry registry;

    LedgerCluster(TestKafka kafka, EmbeddedSchemaRegistry registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    public TestKafka kafka() {
        return kafka;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    /** A name no other test in this JVM uses, e.g. for a topic or an application id. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
    }

    @Override
    public void close() {
        registry.close();
        kafka.close();
    }
}
