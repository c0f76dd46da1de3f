package dev.usageledger.streams.steps;

import dev.usageledger.streams.errors.PartialWriteException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Every change one record makes — store writes and records sent on — gathered while the record is
 * judged and made only once all of them are known. Judging reads the stores and may fail (an
 * overflow, an unreadable price); it writes nothing, so a failure there leaves the record wholly
 * uncounted and it can be set aside. Once making the changes has begun, a failure can no longer be
 * undone in place: it becomes a {@link PartialWriteException}, which fails the task so that
 * exactly-once aborts its transaction and the record is processed again from the last commit.
 */
final class EventChanges {
    private record Output(String child, Record<String, ?> record) {
    }

    private final List<Runnable> writes = new ArrayList<>(32);
    private final List<Output> outputs = new ArrayList<>(2);

    /** A store write (and what must follow it, such as the live copy of the value). */
    public void write(Runnable write) {
        writes.add(write);
    }

    /** A record to send to the child processor or sink {@code child}, after every write. */
    public void send(String child, Record<String, ?> record) {
        outputs.add(new Output(child, record));
    }

    /**
     * Makes the changes: every write, then every record sent.
     *
     * @throws PartialWriteException when one fails after the first has been made
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void apply(ProcessorContext<String, ?> context) {
        int made = 0;
        try {
            for (Runnable write : writes) {
                write.run();
                made++;
            }
            for (Output output : outputs) {
                ((ProcessorContext) context).forward(output.record(), output.child());
                made++;
            }
        } catch (RuntimeException e) {
            if (made == 0) {
                throw e;
            }
            throw new PartialWriteException(made, writes.size() + outputs.size(), e);
        }
    }
}
