package dev.usageledger.streams.steps;

import dev.usageledger.streams.TopologyListener;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.MalformedPayloadException;
import dev.usageledger.streams.rules.PeriodSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global policy book from the compacted policies topic (key: policy id; a tombstone
 * deletes). A policy whose period cannot be evaluated (say a zone that is not IANA) is logged and
 * left out, so one bad policy never turns its tenant's usage into processing errors. Each policy is stored twice: by id (to find its tenant when it is deleted) and under
 * its tenant (so an event reads just its tenant's policies, in one range scan).
 */
public final class PolicyBookProcessor extends ContextualProcessor<String, byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyBookProcessor.class);
    private static final char SEP = '\u0000';

    private final String storeName;
    private final AvroDeserializer<BudgetPolicy> deserializer;
    private final TopologyListener listener;
    private final PolicyIndexCache indexes;
    private KeyValueStore<String, BudgetPolicy> book;

    public PolicyBookProcessor(String storeName, AvroDeserializer<BudgetPolicy> deserializer, TopologyListener listener,
                               PolicyIndexCache indexes) {
        this.storeName = storeName;
        this.deserializer = deserializer;
        this.listener = listener;
        this.indexes = indexes;
    }

    /** The policies of {@code tenant} in {@code book}. */
    public static List<BudgetPolicy> ofTenant(ReadOnlyKeyValueStore<String, BudgetPolicy> book, String tenant) {
        List<BudgetPolicy> policies = new ArrayList<>();
        try (KeyValueIterator<String, BudgetPolicy> it = book.range("t" + SEP + tenant + SEP, "t" + SEP + tenant + SEP + '\uffff')) {
            it.forEachRemaining(kv -> policies.add(kv.value));
        }
        return policies;
    }

    /** One policy by id, or null. */
    public static BudgetPolicy byId(ReadOnlyKeyValueStore<String, BudgetPolicy> book, String policyId) {
        return book.get("id" + SEP + policyId);
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        super.init(context);
        book = context.getStateStore(storeName);
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
        BudgetPolicy previous = book.get("id" + SEP + id);
        if (previous != null) {
            book.delete("t" + SEP + previous.getTenantId() + SEP + id);
            book.delete("id" + SEP + id);
        }
        if (record.value() == null) {
            return;
        }
        try {
            BudgetPolicy policy = deserializer.deserialize("", record.value());
            PeriodSpec.from(policy.getPeriod()); // a policy the calendar cannot evaluate must not reach the counters
            book.put("id" + SEP + id, policy);
            book.put("t" + SEP + policy.getTenantId() + SEP + id, policy);
        } catch (MalformedPayloadException | IllegalArgumentException e) {
            LOG.error("ignoring policy {}: {}; its usage is still counted in the totals", id, e.getMessage());
        }
    }
}
