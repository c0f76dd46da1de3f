package dev.usageledger.cli.audit;

import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.schemas.serde.MalformedPayloadException;
import dev.usageledger.schemas.validation.ImportHeader;
import dev.usageledger.schemas.validation.UsageEventRules;
import dev.usageledger.schemas.validation.Violation;
import dev.usageledger.streams.rules.KeyDirectory;
import dev.usageledger.streams.rules.Rating;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The ledger's documented rules applied to the usage log record by record, apart from the
 * topology: validation, the record key, age against the partition's newest timestamp (older
 * than the reports keep is rejected; older than the late grace is counted as late usage or, with
 * the import header, as history), dedupe by event id within the horizon of when it
 * counts (first occurrence wins; ADR 0002), rating with the price in force
 * at {@code occurred_at}, its user and teams completed from the key directory as it was then. Each event that counts and falls in the audited range and tenant goes
 * to the report.
 */
final class UsageReplay {
    /** How a counted event arrived (ADR 0002): within the late grace, later than it, or imported. */
    enum Arrival { LIVE, LATE, IMPORTED }

    /** One counted event, rated. */
    record Counted(UsageEvent event, int partition, long offset, long costMicros, boolean unpriced, Arrival arrival, byte[] raw) {
    }

    private final AvroDeserializer<UsageEvent> deserializer;
    private final UsageEventRules rules;
    private final PriceHistory prices;
    private final KeyDirectory directory;
    private final long lateGraceMs;
    private final long horizonMs;
    private final long keptMs;
    private final String tenant;
    private final Instant from;
    private final Instant to;
    private final AuditReport report;
    private final Map<Integer, Long> newest = new HashMap<>();
    private final Map<String, Long> firstSeen = new HashMap<>();
    final Map<String, Long> rejected = new TreeMap<>();
    long duplicates;
    long read;

    UsageReplay(AvroDeserializer<UsageEvent> deserializer, UsageEventRules rules, PriceHistory prices, KeyDirectory directory,
                long lateGraceMs, long horizonMs, long keptMs, String tenant, Instant from, Instant to, AuditReport report) {
        this.deserializer = deserializer;
        this.rules = rules;
        this.prices = prices;
        this.directory = directory;
        this.lateGraceMs = lateGraceMs;
        this.horizonMs = horizonMs;
        this.keptMs = keptMs;
        this.tenant = tenant;
        this.from = from;
        this.to = to;
        this.report = report;
    }

    void apply(ConsumerRecord<byte[], byte[]> record) {
        read++;
        long newestSeen = Math.max(newest.getOrDefault(record.partition(), Long.MIN_VALUE), record.timestamp());
        newest.put(record.partition(), newestSeen);
        UsageEvent event;
        try {
            event = deserializer.deserialize(record.topic(), record.value());
        } catch (MalformedPayloadException e) {
            reject(e.problem().code());
            return;
        }
        if (event == null) {
            reject("empty");
            return;
        }
        Optional<Violation> violation = rules.firstViolation(event, Instant.ofEpochMilli(record.timestamp()));
        if (violation.isPresent()) {
            reject(violation.get().reason());
            return;
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (!event.getTenantId().equals(key)) {
            reject("wrong_key");
            return;
        }
        long occurredAt = event.getOccurredAt().toEpochMilli();
        if (occurredAt < newestSeen - keptMs) {
            reject("beyond_retention");
            return;
        }
        long graceEdge = newestSeen - lateGraceMs;
        Arrival arrival = ImportHeader.isImport(record.headers()) ? Arrival.IMPORTED : occurredAt < graceEdge ? Arrival.LATE : Arrival.LIVE;
        long countedAt = Math.max(occurredAt, graceEdge); // older than the grace: at its edge (ADR 0002)
        boolean audited = (tenant == null || tenant.equals(event.getTenantId())) && !event.getOccurredAt().isBefore(from)
                && event.getOccurredAt().isBefore(to);
        String id = event.getTenantId() + '\u0000' + event.getEventId();
        Long first = firstSeen.get(id);
        if (first != null && Math.abs(first - countedAt) <= horizonMs) {
            if (audited) {
                duplicates++;
            }
            return;
        }
        firstSeen.put(id, countedAt);
        if (audited) {
            report.add(rate(directory.completed(event), record, arrival));
        }
    }

    private Counted rate(UsageEvent event, ConsumerRecord<byte[], byte[]> record, Arrival arrival) {
        if (event.getCostMicros() != null) {
            return new Counted(event, record.partition(), record.offset(), event.getCostMicros(), false, arrival, record.value());
        }
        PriceChange price = prices.at(event.getProvider(), event.getModel(), event.getOccurredAt().toEpochMilli());
        if (price == null) {
            return new Counted(event, record.partition(), record.offset(), 0, true, arrival, record.value());
        }
        long cost = Rating.costMicros(event.getInputTokens(), event.getCachedInputTokens(), event.getOutputTokens(),
                event.getReasoningTokens(), price.getInputMicrosPerMtok(), price.getCachedInputMicrosPerMtok(),
                price.getOutputMicrosPerMtok());
        return new Counted(event, record.partition(), record.offset(), cost, false, arrival, record.value());
    }

    private void reject(String reason) {
        rejected.merge(reason, 1L, Long::sum);
    }
}
