package dev.usageledger.query.state;

import dev.usageledger.streams.Names;
import dev.usageledger.streams.model.ReportBlock;
import dev.usageledger.streams.state.ReportStore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * The reporting part as the service reads it: which instance answers a tenant's reports (the
 * owner of the tenant's partition of the rated topic, which need not be the one that enforces
 * for the tenant), the report rows of a local partition, and how far each partition has applied
 * the counted usage ({@link #progress()}, by usage offset and event time).
 */
public final class ReportState {
    private final Progress progress = new Progress();
    private final AtomicLong generation = new AtomicLong();
    private final Ownership ownership = new Ownership(Names.REPORT_DAY_STORE, "reporting", generation);
    private final Versioned<Integer, ReportStore> activeStores = new Versioned<>(generation::get);
    private final String ratedTopic;
    private volatile KafkaStreams streams;
    private volatile HostInfo self;

    /** @param ratedTopic the topic the reporting part reads */
    public ReportState(String ratedTopic) {
        this.ratedTopic = ratedTopic;
    }

    /** The topic the reporting part reads. */
    public String ratedTopic() {
        return ratedTopic;
    }

    /** The reporting application and the address this instance advertises. */
    public void attach(KafkaStreams kafkaStreams, HostInfo advertised) {
        this.self = advertised;
        this.streams = kafkaStreams;
    }

    /** The reporting application changed state: owners and open stores are looked up again. */
    public void topologyChanged() {
        generation.incrementAndGet();
    }

    /** What the reporting part has applied, per partition: the usage offset and event time of its last counted event. */
    public Progress progress() {
        return progress;
    }

    /** Who answers reports for {@code tenant}; see {@link LedgerState#route}. */
    public Route route(String tenant, boolean forwarded) {
        return ownership.route(streams, self, tenant, forwarded);
    }

    /** The report rows of a local partition; {@code stale} allows a standby or restoring copy. */
    public ReportStore reports(int partition, boolean stale) {
        KafkaStreams current = streams;
        if (!stale && current != null && current.state() == KafkaStreams.State.RUNNING) {
            return activeStores.get(partition, p -> open(p, false));
        }
        return open(partition, stale);
    }

    /**
     * Counted events of the partition that reporting has not read yet: its consumer's lag on the
     * rated topic at its last fetch; -1 when the partition is not consumed here.
     */
    public long behind(int partition) {
        return ConsumerLag.of(streams, ratedTopic, partition);
    }

    private ReportStore open(int partition, boolean stale) {
        ReadOnlyWindowStore<String, ReportBlock> quarters = LocalStores.open(streams, "reporting", Names.REPORT_QUARTER_STORE,
                QueryableStoreTypes.windowStore(), partition, stale);
        ReadOnlyWindowStore<String, ReportBlock> hours = LocalStores.open(streams, "reporting", Names.REPORT_HOUR_STORE,
                QueryableStoreTypes.windowStore(), partition, stale);
        ReadOnlyWindowStore<String, ReportBlock> days = LocalStores.open(streams, "reporting", Names.REPORT_DAY_STORE,
                QueryableStoreTypes.windowStore(), partition, stale);
        return new ReportStore(quarters, hours, days);
    }
}
