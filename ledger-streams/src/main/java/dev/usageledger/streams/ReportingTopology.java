package dev.usageledger.streams;

import dev.usageledger.schemas.avro.PolicySeed;
import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.registry.SchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.state.ReportStore;
import dev.usageledger.streams.steps.Steps;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;

/**
 * The reporting part: reads the rated topic (each counted event once, with its cost) and keeps
 * every scope's usage per quarter hour, hour and UTC day ({@link ReportStore}), from which any period in
 * any zone, breakdowns and trends are read. Its own application, apart from enforcement: it may
 * lag by seconds and makes its rows durable once per commit, not once per event.
 */
public final class ReportingTopology {
    private ReportingTopology() {
    }

    public static Topology build(LedgerStreamsConfig config, SchemaRegistryClient registry) {
        return build(config, registry, TopologyListener.NONE);
    }

    /**
     * The topology, telling {@code listener} after each counted event which usage offset of its
     * partition the rows now include ({@link TopologyListener#recordApplied}, with the event's
     * usage partition and offset: the offsets a publish receipt names).
     */
    public static Topology build(LedgerStreamsConfig config, SchemaRegistryClient registry, TopologyListener listener) {
        Topology topology = new Topology();
        topology.addSource(Names.RATED_SOURCE, new StringDeserializer(), new AvroDeserializer<>(RatedUsageEvent.class, registry),
                config.topics().rated());
        Duration retention = config.retention(LedgerStreamsConfig.DAY_RETENTION_MS_CONFIG);
        topology.addProcessor(Names.REPORT, Steps.report(listener, retention), Names.RATED_SOURCE);
        // answers to seed requests, on the partition of the usage the request came from
        topology.addSink(Names.SEEDS_SINK, config.topics().seeds(), new StringSerializer(), new AvroSerializer<PolicySeed>(registry, true, false),
                (topic, key, seed, partitions) -> Optional.of(Set.of(seed.getSourcePartition())), Names.REPORT);
        topology.addStateStore(ReportStore.quarters(retention), Names.REPORT);
        topology.addStateStore(ReportStore.hours(retention), Names.REPORT);
        topology.addStateStore(ReportStore.days(retention), Names.REPORT);
        return topology;
    }
}
