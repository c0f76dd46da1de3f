package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.MalformedPayloadException;
import dev.usageledger.streams.TopologyListener;
import dev.usageledger.streams.state.DirectoryBook;
import dev.usageledger.streams.state.DirectoryCache;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global key directory from the compacted directory topic: every version of every
 * entry (a removal is a version too, so the directory as it was at any instant stays known). The
 * book's keys are {@link DirectoryBook}'s.
 */
final class DirectoryBookProcessor extends ContextualProcessor<String, byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryBookProcessor.class);

    private final String storeName;
    private final AvroDeserializer<DirectoryEntry> deserializer;
    private final TopologyListener listener;
    private final DirectoryCache cache;
    private DirectoryBook.Writable directory;

    DirectoryBookProcessor(String storeName, AvroDeserializer<DirectoryEntry> deserializer, TopologyListener listener,
                           DirectoryCache cache) {
        this.storeName = storeName;
        this.deserializer = deserializer;
        this.listener = listener;
        this.cache = cache;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        super.init(context);
        directory = new DirectoryBook.Writable(context.getStateStore(storeName));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.value() == null) {
            return; // the service never deletes a version: a removal is a version of its own
        }
        try {
            directory.put(deserializer.deserialize("", record.value()));
            cache.invalidate();
            listener.directoryApplied(record.key());
        } catch (MalformedPayloadException e) {
            LOG.error("skipping an unreadable directory record with key {}: {}", record.key(), e.getMessage());
        }
    }
}
