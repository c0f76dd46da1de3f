package dev.usageledger.query.state;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.serde.AvroSerializer;
import dev.usageledger.streams.Topics;
import dev.usageledger.streams.state.DirectoryBook;
import dev.usageledger.streams.state.PriceBook;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes policy, price and key directory changes to their compacted topics (the audit trail of every change), and hold requests,
 * waiting for the broker's acknowledgement. A write that is not acknowledged in time is
 * reported as unavailable: the caller may retry, since a policy or price write is idempotent.
 */
public final class BookWriter implements AutoCloseable {
    private final Producer<String, byte[]> producer;
    private final Topics topics;
    private final AvroSerializer<BudgetPolicy> policies;
    private final AvroSerializer<PriceChange> prices;
    private final AvroSerializer<HoldEvent> holds;
    private final AvroSerializer<DirectoryEntry> directory;
    private final Duration timeout;

    public BookWriter(Producer<String, byte[]> producer, Topics topics, AvroSerializer<BudgetPolicy> policies,
                      AvroSerializer<PriceChange> prices, AvroSerializer<HoldEvent> holds, AvroSerializer<DirectoryEntry> directory, Duration timeout) {
        this.producer = producer;
        this.topics = topics;
        this.policies = policies;
        this.prices = prices;
        this.holds = holds;
        this.directory = directory;
        this.timeout = timeout;
    }

    /** Asks the tenant's task to place or void a hold (keyed by tenant: the task is the hold's only writer). */
    public void requestHold(HoldEvent request) {
        send(topics.holdRequests(), request.getTenantId(), holds.serialize(topics.holdRequests(), request));
    }

    public void putPolicy(BudgetPolicy policy) {
        send(topics.policies(), policy.getPolicyId(), policies.serialize(topics.policies(), policy));
    }

    public void deletePolicy(String policyId) {
        send(topics.policies(), policyId, null);
    }

    public void putPrice(PriceChange price) {
        String key = PriceBook.topicKey(price.getProvider(), price.getModel(), price.getEffectiveFrom().toEpochMilli());
        send(topics.prices(), key, prices.serialize(topics.prices(), price));
    }

    /** Writes a version of a key directory entry (the same version again replaces it: the write is idempotent). */
    public void putDirectoryEntry(DirectoryEntry entry) {
        send(topics.directory(), DirectoryBook.topicKey(entry), directory.serialize(topics.directory(), entry));
    }

    private void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailableException("interrupted while writing to " + topic, 1_000);
        } catch (ExecutionException | TimeoutException e) {
            throw new StateUnavailableException("the write to " + topic + " was not acknowledged within " + timeout.toMillis()
                    + " ms (" + (e.getCause() == null ? e : e.getCause()) + "); retry, the write is idempotent", 1_000);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
