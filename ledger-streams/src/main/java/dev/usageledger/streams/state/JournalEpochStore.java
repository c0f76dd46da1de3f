package dev.usageledger.streams.state;

import dev.usageledger.streams.Names;
import dev.usageledger.streams.store.CombiningStores;
import java.nio.ByteBuffer;
import java.util.OptionalLong;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Who may journal holds on a partition ({@value Names#JOURNAL_EPOCH_STORE}), and the record format
 * that says it. A reservation writer opens by journaling an <em>opening mark</em> (key
 * {@value #MARK_KEY}, no value); the mark's offset is the writer's <em>epoch</em>, and every decision
 * it journals carries that epoch in the {@value #EPOCH_HEADER} header. The task keeps the offset of
 * the newest mark it applied here and applies a decision only if it carries that epoch, so a writer
 * that lost the partition (a zombie) cannot add a decision after its successor opened.
 */
public final class JournalEpochStore {
    /** The key of an opening mark. */
    public static final String MARK_KEY = "journal-opened";
    /** The header that carries a journaled decision's epoch, 8 bytes big-endian. */
    public static final String EPOCH_HEADER = "ledger-journal-epoch";
    /** The epoch before any mark was applied. */
    public static final long NONE = -1;
    private static final String KEY = "epoch";

    private final KeyValueStore<String, Long> store;

    public JournalEpochStore(KeyValueStore<String, Long> store) {
        this.store = store;
    }

    /** The store: persistent, one entry per task. */
    public static StoreBuilder<KeyValueStore<String, Long>> builder() {
        return CombiningStores.persistentKeyValue(Names.JOURNAL_EPOCH_STORE, Serdes.Long());
    }

    /** The offset of the newest opening mark applied, {@link #NONE} before the first. */
    public long current() {
        Long epoch = store.get(KEY);
        return epoch == null ? NONE : epoch;
    }

    /** A mark at {@code offset} was applied: from now on only decisions of its epoch count. */
    public void opened(long offset) {
        store.put(KEY, offset);
    }

    /** The header a writer of {@code epoch} puts on each decision it journals. */
    public static Header header(long epoch) {
        return new RecordHeader(EPOCH_HEADER, ByteBuffer.allocate(Long.BYTES).putLong(epoch).array());
    }

    /** The epoch a journaled record carries; empty for the transactional journal of earlier versions, which carried none. */
    public static OptionalLong epochOf(Headers headers) {
        Header header = headers.lastHeader(EPOCH_HEADER);
        if (header == null || header.value() == null || header.value().length != Long.BYTES) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(ByteBuffer.wrap(header.value()).getLong());
    }
}
