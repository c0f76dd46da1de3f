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
            public Producer<String, byte[]> producer(int partition, int turn) {
                String transactionalId = applicationId + "-hold-journal-" + partition + (turn == 0 ? "" : "-" + turn);
                return new KafkaProducer<>(producerProps(config, transactionalId), new StringSerializer(),
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

    /** A journal's producer: transactional per partition (a new owner fences the old), every record acknowledged by all replicas, no linger. */
    private static Map<String, Object> producerProps(LedgerStreamsConfig config, String transactionalId) {
        Map<String, Object> props = new HashMap<>(config.clientSecurity());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getList(LedgerStreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // a transaction's first partition refused while the producer's previous transaction completes
        // (CONCURRENT_TRANSACTIONS, transaction protocol 1) is retried after min(retry.backoff.ms, 20 ms):
        // measured here, one producer's back-to-back transactions took 30 ms at p50 with the default, 4 ms with 1 ms
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 1);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        return props;
    }
}
