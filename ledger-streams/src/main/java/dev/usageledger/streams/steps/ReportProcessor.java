package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.streams.Names;
import dev.usageledger.streams.TopologyListener;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.state.ReportStore;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The reporting part's one step: adds each counted event of the rated topic to the report rows
 * of every scope it counts toward. The rated topic holds each counted event once (enforcement
 * writes it in the transaction that counts it), so nothing is deduplicated here.
 */
final class ReportProcessor extends ContextualProcessor<String, RatedUsageEvent, Void, Void> {
    private final TopologyListener listener;
    private ReportStore.Writable reports;

    ReportProcessor(TopologyListener listener) {
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        super.init(context);
        reports = new ReportStore.Writable(context.getStateStore(Names.REPORT_QUARTER_STORE), context.getStateStore(Names.REPORT_HOUR_STORE),
                context.getStateStore(Names.REPORT_DAY_STORE));
    }

    @Override
    public void process(Record<String, RatedUsageEvent> record) {
        RatedUsageEvent counted = record.value();
        if (counted.getUsage() == null) { // a position mark: every counted event up to its offset is in the rows
            listener.recordApplied(counted.getSourcePartition(), counted.getSourceOffset(), -1);
            return;
        }
        reports.add(new RatedUsage(counted.getUsage(), counted.getCostMicros(), counted.getUnpriced()));
        listener.recordApplied(counted.getSourcePartition(), counted.getSourceOffset(), counted.getUsage().getOccurredAt().toEpochMilli());
    }
}
