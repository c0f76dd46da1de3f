package dev.usageledger.streams.errors;

import dev.usageledger.schemas.registry.SchemaRegistryException;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record whose processing throws is set aside on the rejected topic, and the partition moves
 * on: no crash, no stuck partition, no silent drop. The reason is the one an
 * {@link UncountableEventException} names, else {@code processing_error}. The steps judge a record
 * before they write anything ({@code EventChanges}), so a record set aside left nothing behind.
 * Two failures fail the task instead, so exactly-once aborts its transaction and the record is
 * processed again: a transient one (an unreachable registry), which is not the record's fault,
 * and a {@link PartialWriteException}, after which the stores hold part of the record.
 */
public final class RejectingProcessingExceptionHandler implements ProcessingExceptionHandler {
    public static final String REJECTED_TOPIC_CONFIG = "ledger.rejected.topic";
    private static final Logger LOG = LoggerFactory.getLogger(RejectingProcessingExceptionHandler.class);

    private String rejectedTopic;

    @Override
    public void configure(Map<String, ?> configs) {
        Object topic = configs.get(REJECTED_TOPIC_CONFIG);
        rejectedTopic = topic == null ? "ledger.usage.rejected.v1" : topic.toString();
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (causedBy(exception, PartialWriteException.class)) {
            LOG.error("a record's changes were partly made in {} at {}-{}@{}; failing the task so its transaction is aborted",
                    context.processorNodeId(), context.topic(), context.partition(), context.offset(), exception);
            return Response.fail();
        }
        if (isTransient(exception)) {
            LOG.warn("transient failure in {} at {}-{}@{}; failing the task so the record is retried: {}",
                    context.processorNodeId(), context.topic(), context.partition(), context.offset(), exception.toString());
            return Response.fail();
        }
        LOG.error("processing failed in {} at {}-{}@{}; record moved to {}", context.processorNodeId(), context.topic(),
                context.partition(), context.offset(), rejectedTopic, exception);
        String reason = exception instanceof UncountableEventException uncountable ? uncountable.reason() : "processing_error";
        String detail = exception instanceof UncountableEventException ? exception.getMessage()
                : context.processorNodeId() + ": " + exception;
        ProducerRecord<byte[], byte[]> rejected = new ProducerRecord<>(rejectedTopic, null, context.sourceRawKey(),
                context.sourceRawValue(), RejectHeaders.of(context.headers(), reason, detail, context.topic(), context.partition(),
                        context.offset()));
        return Response.resume(List.of(rejected));
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTransient(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RetriableException || t instanceof SchemaRegistryException e && e.isRetriable()) {
                return true;
            }
        }
        return false;
    }
}
