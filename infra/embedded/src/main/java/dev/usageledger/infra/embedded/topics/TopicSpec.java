package dev.usageledger.infra.embedded.topics;

import java.util.Map;

/**
 * How one topic is laid out: its partitions and its configuration (cleanup policy, retention and
 * whatever else it needs). Replication comes from the cluster it is created on.
 */
public record TopicSpec(String name, int partitions, Map<String, String> config) {
    public TopicSpec {
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + " needs at least one partition, got " + partitions);
        }
        config = Map.copyOf(config);
    }
}
