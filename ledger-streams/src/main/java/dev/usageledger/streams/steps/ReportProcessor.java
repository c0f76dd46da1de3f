package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.PolicySeed;
import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.TopologyListener;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.state.ReportStore;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The reporting part's one step: adds each counted event of the rated topic to the report blocks
 * of every scope it counts toward, and answers the seed requests enforcement puts between them.
 * The rated topic holds each counted event once (enforcement writes it in the transaction that
 * counts it), so nothing is deduplicated here.
 */
final class ReportProcessor extends ContextualProcessor<String, RatedUsageEvent, String, PolicySeed> {
    private final TopologyListener listener;
    private final Duration kept;
    private ReportStore.Writable reports;
    private SeedAnswers seeds;
    private long newest = Long.MIN_VALUE;

    ReportProcessor(TopologyListener listener, Duration kept) {
        this.listener = listener;
        this.kept = kept;
    }

    @Override
    public void init(ProcessorContext<String, PolicySeed> context) {
        super.init(context);
        reports = new ReportStore.Writable(context.getStateStore(Names.REPORT_QUARTER_STORE), context.getStateStore(Names.REPORT_HOUR_STORE),
                context.getStateStore(Names.REPORT_DAY_STORE));
        seeds = new SeedAnswers(reports, kept.toMillis());
    }

    @Override
    public void process(Record<String, RatedUsageEvent> record) {
        RatedUsageEvent counted = record.value();
        if (counted.getSeedRequest() != null) {
            // the blocks hold exactly what was counted before the request: the answer, committed soon
            for (PolicySeed seed : seeds.answer(counted.getSeedRequest(), counted.getSourcePartition(), newest)) {
                context().forward(new Record<>(seed.getTenantId(), seed, record.timestamp()), Names.SEEDS_SINK);
            }
            context().commit();
            return;
        }
        if (counted.getUsage() == null) { // a position mark: every counted event up to its offset is in the blocks
            listener.recordApplied(counted.getSourcePartition(), counted.getSourceOffset(), -1);
            return;
        }
        reports.add(new RatedUsage(counted.getUsage(), counted.getCostMicros(), counted.getUnpriced()));
        newest = Math.max(newest, counted.getUsage().getOccurredAt().toEpochMilli());
        listener.recordApplied(counted.getSourcePartition(), counted.getSourceOffset(), counted.getUsage().getOccurredAt().toEpochMilli());
    }
}
