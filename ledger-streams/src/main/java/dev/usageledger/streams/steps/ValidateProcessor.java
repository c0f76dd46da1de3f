package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.MalformedPayloadException;
import dev.usageledger.schemas.validation.ImportHeader;
import dev.usageledger.schemas.validation.UsageEventRules;
import dev.usageledger.schemas.validation.Violation;
import dev.usageledger.streams.LedgerStreamsConfig;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.TopologyListener;
import dev.usageledger.streams.errors.RejectHeaders;
import dev.usageledger.streams.state.RejectedStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Step 1: turns raw bytes into a valid {@link UsageEvent}, or sets the original bytes aside on
 * the rejected topic with the reason: an unreadable payload, a broken rule, a key that is not
 * the event's tenant, or an event older than the reports keep ({@code beyond_retention}). An
 * event older than the newest seen by more than the late grace is counted, at the grace's edge:
 * as history if it carries the import header, else as late usage (ADR 0002). Time is the
 * records' own (their timestamps), so a replay rejects exactly what the live run rejected.
 *
 * <p>It also marks, on the rated topic, how far the partition has been processed: a record
 * rejected or found a duplicate leaves nothing there, so without the mark a reader of the rated
 * topic could not tell that it has every counted event up to a usage offset. A mark goes out at
 * most every {@link #MARK_INTERVAL} of wall-clock time, and only when the partition moved on.
 */
final class ValidateProcessor extends ContextualProcessor<byte[], byte[], Object, Object> {
    private final AvroDeserializer<UsageEvent> deserializer;
    private final UsageEventRules rules;
    private final Duration lateGrace;
    private final Duration reportsKept;
    static final Duration MARK_INTERVAL = Duration.ofMillis(200);

    private static final int MAX_KEY_BYTES = 256;

    private final TopologyListener listener;
    private RejectedStore.Writable rejected;
    private int partition = -1;
    private long processed = -1;
    private long marked = -1;

    ValidateProcessor(AvroDeserializer<UsageEvent> deserializer, Duration maxFutureSkew, Duration lateGrace, Duration reportsKept,
                      TopologyListener listener) {
        this.deserializer = deserializer;
        this.rules = new UsageEventRules(maxFutureSkew);
        this.lateGrace = lateGrace;
        this.reportsKept = reportsKept;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        super.init(context);
        rejected = new RejectedStore.Writable(context.getStateStore(Names.REJECTED_STORE));
        context.schedule(MARK_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> mark());
    }

    /**
     * Runs the whole chain for the record (forwarding is synchronous), then reports its offset
     * as applied: from then on every store reflects it.
     */
    @Override
    public void process(Record<byte[], byte[]> record) {
        long eventTime = validateAndForward(record);
        context().recordMetadata().ifPresent(m -> {
            partition = m.partition();
            processed = m.offset();
            listener.recordApplied(m.partition(), m.offset(), eventTime);
        });
    }

    /** Puts a position mark on the rated topic when the partition has moved on since the last one. */
    private void mark() {
        if (processed > marked) {
            RatedUsageEvent mark = RatedUsageEvent.newBuilder().setUsage(null).setCostMicros(0).setUnpriced(false)
                    .setSourcePartition(partition).setSourceOffset(processed).build();
            context().forward(new Record<>(null, mark, context().currentStreamTimeMs()), Names.RATED_SINK);
            marked = processed;
        }
    }

    /** The event time of the record: its occurred_at when it could be read, else its timestamp. */
    private long validateAndForward(Record<byte[], byte[]> record) {
        String topic = context().recordMetadata().map(RecordMetadata::topic).orElse("");
        UsageEvent event;
        try {
            event = deserializer.deserialize(topic, record.value());
        } catch (MalformedPayloadException e) {
            reject(record, e.problem().code(), e.getMessage());
            return record.timestamp();
        }
        if (event == null) {
            reject(record, "empty", "a null value (tombstone) on the usage topic");
            return record.timestamp();
        }
        Optional<Violation> violation = rules.firstViolation(event, Instant.ofEpochMilli(record.timestamp()));
        if (violation.isPresent()) {
            reject(record, violation.get().reason(), violation.get().message());
            return record.timestamp();
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (!event.getTenantId().equals(key)) {
            reject(record, "wrong_key", "the record key must be the tenant id '" + event.getTenantId() + "', got "
                    + (key == null ? "no key" : "'" + key + "'") + "; every event of a tenant must be in its partition");
            return record.timestamp();
        }
        long newest = Math.max(context().currentStreamTimeMs(), record.timestamp());
        long occurredAt = event.getOccurredAt().toEpochMilli();
        if (occurredAt < newest - reportsKept.toMillis()) {
            reject(record, "beyond_retention", "occurred_at " + event.getOccurredAt() + " is older than the ledger keeps: more than "
                    + LedgerStreamsConfig.DAY_RETENTION_MS_CONFIG + " (" + reportsKept + ") before the newest event seen ("
                    + Instant.ofEpochMilli(newest) + "); raise " + LedgerStreamsConfig.DAY_RETENTION_MS_CONFIG + " to count it");
            return occurredAt;
        }
        long graceEdge = newest - lateGrace.toMillis();
        Arrival arrival = ImportHeader.isImport(record.headers()) ? Arrival.IMPORTED : occurredAt < graceEdge ? Arrival.LATE : Arrival.LIVE;
        // Counted at its occurred_at, or for an event older than the grace at the grace's edge: where
        // its dedupe mark is kept, and a timestamp the changelogs' time retention keeps (ADR 0002).
        long countedAt = Math.max(occurredAt, graceEdge);
        context().forward(new Record<>(event.getTenantId(), new ValidUsage(event, record.value(), arrival), countedAt,
                record.headers()), Names.COUNT);
        return occurredAt;
    }

    /** To the rejected topic with its reason, and counted for the tenant's health (by the key as received). */
    private void reject(Record<byte[], byte[]> record, String reason, String detail) {
        RecordMetadata source = context().recordMetadata().orElseThrow();
        // a tenant id is short; a key longer than any can be is counted under none
        String tenant = record.key() == null || record.key().length > MAX_KEY_BYTES ? "" : new String(record.key(), StandardCharsets.UTF_8);
        rejected.add(tenant, LocalDate.ofInstant(Instant.ofEpochMilli(record.timestamp()), ZoneOffset.UTC), reason);
        context().forward(record.withHeaders(RejectHeaders.of(record.headers(), reason, detail, source.topic(),
                source.partition(), source.offset())), Names.REJECTED_SINK);
    }
}
