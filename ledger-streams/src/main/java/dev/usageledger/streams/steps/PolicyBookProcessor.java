package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.MalformedPayloadException;
import dev.usageledger.streams.TopologyListener;
import dev.usageledger.streams.rules.PeriodSpec;
import dev.usageledger.streams.state.PolicyBook;
import dev.usageledger.streams.state.PolicyIndexCache;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global policy book from the compacted policies topic (key: policy id; a tombstone
 * deletes). A policy whose period cannot be evaluated (say a zone that is not IANA) is logged and
 * left out, so one bad policy never turns its tenant's usage into processing errors. The book's
 * keys are {@link PolicyBook}'s.
 */
final class PolicyBookProcessor extends ContextualProcessor<String, byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyBookProcessor.class);

    private final String storeName;
    private final AvroDeserializer<BudgetPolicy> deserializer;
    private final TopologyListener listener;
    private final PolicyIndexCache indexes;
    private PolicyBook.Writable book;

    PolicyBookProcessor(String storeName, AvroDeserializer<BudgetPolicy> deserializer, TopologyListener listener,
                        PolicyIndexCache indexes) {
        this.storeName = storeName;
        this.deserializer = deserializer;
        this.listener = listener;
        this.indexes = indexes;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        super.init(context);
        book = new PolicyBook.Writable(context.getStateStore(storeName));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        apply(record);
        indexes.invalidate();
        if (record.key() != null) {
            listener.policyApplied(record.key());
        }
    }

    private void apply(Record<String, byte[]> record) {
        String id = record.key();
        if (id == null) {
            LOG.error("skipping a policy record without a key (the key must be the policy id)");
            return;
        }
        book.remove(id);
        if (record.value() == null) {
            return;
        }
        try {
            BudgetPolicy policy = deserializer.deserialize("", record.value());
            PeriodSpec.from(policy.getPeriod()); // a policy the calendar cannot evaluate must not reach the counters
            book.put(id, policy);
        } catch (MalformedPayloadException | IllegalArgumentException e) {
            LOG.error("ignoring policy {}: {}; its usage is still counted in the totals", id, e.getMessage());
        }
    }
}
