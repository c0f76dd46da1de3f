package dev.usageledger.cli.bench;

import dev.usageledger.query.LedgerService;
import dev.usageledger.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.function.Function;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Freshness: from a publish being acknowledged to the event being applied by the owning task,
 * from when on every check reads it; and the reporting lag, from the same acknowledgement to the
 * reporting part having applied it, from when on reports include it. The caller keeps other
 * ingestion running meanwhile.
 */
final class Freshness {
    /** The two delays of the same samples. */
    record Delays(Latencies.Summary checks, Latencies.Summary reports) {
    }

    private Freshness() {
    }

    /** Whether the reporting part has applied every usage offset enforcement has, on each of {@code partitions}. */
    static boolean reportingCaughtUp(LedgerService service, int partitions) {
        for (int p = 0; p < partitions; p++) {
            if (service.reports().progress().applied(p).offset() < service.state().progress().applied(p).offset()) {
                return false;
            }
        }
        return true;
    }

    /** Publishes {@code samples} events made by {@code events} (given their instant), 20 ms apart, timing each. */
    static Delays sample(LedgerService service, KafkaProducer<String, UsageEvent> producer, String topic, int samples,
                         Function<Instant, UsageEvent> events) throws Exception {
        Latencies latencies = new Latencies();
        Latencies reporting = new Latencies();
        for (int i = 0; i < samples; i++) {
            Instant now = Instant.now();
            UsageEvent event = events.apply(now);
            var metadata = producer.send(new ProducerRecord<>(topic, null, now.toEpochMilli(), event.getTenantId(), event)).get();
            long acknowledged = System.nanoTime();
            while (service.state().progress().applied(metadata.partition()).offset() < metadata.offset()) {
                Thread.onSpinWait();
            }
            latencies.record(System.nanoTime() - acknowledged);
            while (service.reports().progress().applied(metadata.partition()).offset() < metadata.offset()) {
                LockSupport.parkNanos(100_000);
            }
            reporting.record(System.nanoTime() - acknowledged);
            LockSupport.parkNanos(20_000_000);
        }
        return new Delays(latencies.summary(), reporting.summary());
    }
}
