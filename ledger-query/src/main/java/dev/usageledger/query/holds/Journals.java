package dev.usageledger.query.holds;

import dev.usageledger.query.state.LedgerState;
import dev.usageledger.query.state.StoreUsageSource;
import dev.usageledger.query.state.TenantStores;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.registry.SchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.decision.UsageSource;
import dev.usageledger.streams.rules.PolicyIndex;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Builds this instance's {@link ReservationDesk} from the service's settings and state. */
public final class Journals {
    private Journals() {
    }

    public static ReservationDesk desk(LedgerStreamsConfig config, SchemaRegistryClient registry, LedgerState state,
                                       Duration openTimeout) {
        String topic = config.topics().holdJournal();
        AvroSerializer<HoldState> serializer = new AvroSerializer<>(registry, true, false);
        String applicationId = config.getString(LedgerStreamsConfig.APPLICATION_ID_CONFIG);
        ReservationDesk.Plumbing plumbing = new ReservationDesk.Plumbing() {
            @Override
            public Producer<String, byte[]> producer() {
                return new KafkaProducer<>(producerProps(config, applicationId + "-hold-journal"), new StringSerializer(),
                        new ByteArraySerializer());
            }

            @Override
            public long applied(int partition) {
                return state.progress().holdJournalApplied(partition);
            }

            @Override
            public long generation(int partition) {
                return state.progress().holdStepGeneration(partition);
            }
        };
        return new ReservationDesk(topic, plumbing, hold -> serializer.serialize(topic, hold), partition -> view(state, partition),
                openTimeout);
    }

    private static PartitionView view(LedgerState state, int partition) {
        TenantStores stores = state.stores(partition, false);
        UsageSource usage = new StoreUsageSource(stores);
        return new PartitionView() {
            @Override
            public PolicyIndex policies(String tenant) {
                return state.policiesOf(tenant);
            }

            @Override
            public UsageSource usage() {
                return usage;
            }

            @Override
            public HoldState stored(String holdKey) {
                return stores.holds().get(holdKey);
            }
        };
    }

    /**
     * A journal's producer: idempotent (a retried send is written once, in order), every record
     * acknowledged by all in-sync replicas, no linger. No transactions: the epoch in each record
     * fences an earlier writer, and where each record lands tells its writer whether another came between (see {@link PartitionJournal}).
     */
    static Map<String, Object> producerProps(LedgerStreamsConfig config, String clientId) {
        Map<String, Object> props = new HashMap<>(config.clientSecurity());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getList(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        return props;
    }
}
