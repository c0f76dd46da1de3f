package dev.usageledger.streams.model;

import dev.usageledger.schemas.avro.SubjectType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * A part of one tenant's usage in one report bucket: totals per {@link ReportCell}. A tenant's
 * bucket is one block until it outgrows a bound, then its cells are spread over 2, 4, 8 … parts
 * by user; {@link #generation()} says how many (2<sup>generation</sup>), and a block of no cells
 * that only names a generation is the bucket's header.
 *
 * <p>One thread writes a block (the reporting task, in place: a busy tenant's block holds
 * thousands of cells, too many to copy per event); any thread may read it. Each cell's totals are
 * an immutable {@link Totals} in a concurrent map, so a reader never sees part of an amount; a
 * read made while an event is being added may see it in some cells and not yet in others.
 */
public final class ReportBlock {
    private static final byte VERSION = 1;

    private final int generation;
    private final Map<ReportCell, Totals> cells;

    public ReportBlock(int generation) {
        this(generation, new ConcurrentHashMap<>());
    }

    private ReportBlock(int generation, Map<ReportCell, Totals> cells) {
        if (generation < 0) {
            throw new IllegalArgumentException("a generation is not negative: " + generation);
        }
        this.generation = generation;
        this.cells = cells;
    }

    public int generation() {
        return generation;
    }

    public int size() {
        return cells.size();
    }

    /** The cell's totals, or zero when no event added to it. */
    public Totals get(ReportCell cell) {
        Totals totals = cells.get(cell);
        return totals == null ? Totals.ZERO : totals;
    }

    /** Replaces the cell's totals (the writing thread only). */
    public void put(ReportCell cell, Totals totals) {
        cells.put(cell, totals);
    }

    public void forEach(BiConsumer<ReportCell, Totals> each) {
        cells.forEach(each);
    }

    /**
     * The store layout, compact because a block is written whole at every commit that changed it:
     * a version byte, the generation, each member id once (a table of UTF-8 strings), then per cell
     * its dimensions (ordinal + 1, 0 for none), its members as indexes into the table and its
     * totals, every number a variable-length zig-zag integer.
     */
    public static Serde<ReportBlock> serde() {
        Serializer<ReportBlock> serializer = (topic, block) -> block == null ? null : block.toBytes();
        Deserializer<ReportBlock> deserializer = (topic, bytes) -> bytes == null ? null : fromBytes(ByteBuffer.wrap(bytes));
        return Serdes.serdeFrom(serializer, deserializer);
    }

    /** Encodes on the writing thread, which alone changes the block: what it iterates stays still meanwhile. */
    private byte[] toBytes() {
        Map<String, Integer> ids = new HashMap<>();
        List<String> table = new ArrayList<>();
        int size = 1 + ByteUtils.sizeOfVarint(generation) + ByteUtils.sizeOfVarint(cells.size());
        for (Map.Entry<ReportCell, Totals> entry : cells.entrySet()) {
            ReportCell cell = entry.getKey();
            size += 2 + ByteUtils.sizeOfVarint(index(ids, table, cell.aId()));
            if (cell.b() != null) {
                size += ByteUtils.sizeOfVarint(index(ids, table, cell.bId()));
            }
            Totals t = entry.getValue();
            size += ByteUtils.sizeOfVarlong(t.costMicros()) + ByteUtils.sizeOfVarlong(t.inputTokens())
                    + ByteUtils.sizeOfVarlong(t.outputTokens()) + ByteUtils.sizeOfVarlong(t.cachedInputTokens())
                    + ByteUtils.sizeOfVarlong(t.reasoningTokens()) + ByteUtils.sizeOfVarlong(t.requests())
                    + ByteUtils.sizeOfVarlong(t.events()) + ByteUtils.sizeOfVarlong(t.errors()) + ByteUtils.sizeOfVarlong(t.unpriced())
                    + ByteUtils.sizeOfVarlong(t.latencyMsSum()) + ByteUtils.sizeOfVarlong(t.latencyEvents());
        }
        List<byte[]> utf8 = new ArrayList<>(table.size());
        size += ByteUtils.sizeOfVarint(table.size());
        for (String id : table) {
            byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
            utf8.add(bytes);
            size += ByteUtils.sizeOfVarint(bytes.length) + bytes.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION);
        ByteUtils.writeVarint(generation, out);
        ByteUtils.writeVarint(utf8.size(), out);
        for (byte[] bytes : utf8) {
            ByteUtils.writeVarint(bytes.length, out);
            out.put(bytes);
        }
        ByteUtils.writeVarint(cells.size(), out);
        for (Map.Entry<ReportCell, Totals> entry : cells.entrySet()) {
            ReportCell cell = entry.getKey();
            out.put((byte) (cell.a().ordinal() + 1));
            ByteUtils.writeVarint(ids.get(cell.aId()), out);
            out.put((byte) (cell.b() == null ? 0 : cell.b().ordinal() + 1));
            if (cell.b() != null) {
                ByteUtils.writeVarint(ids.get(cell.bId()), out);
            }
            Totals t = entry.getValue();
            ByteUtils.writeVarlong(t.costMicros(), out);
            ByteUtils.writeVarlong(t.inputTokens(), out);
            ByteUtils.writeVarlong(t.outputTokens(), out);
            ByteUtils.writeVarlong(t.cachedInputTokens(), out);
            ByteUtils.writeVarlong(t.reasoningTokens(), out);
            ByteUtils.writeVarlong(t.requests(), out);
            ByteUtils.writeVarlong(t.events(), out);
            ByteUtils.writeVarlong(t.errors(), out);
            ByteUtils.writeVarlong(t.unpriced(), out);
            ByteUtils.writeVarlong(t.latencyMsSum(), out);
            ByteUtils.writeVarlong(t.latencyEvents(), out);
        }
        if (out.hasRemaining()) {
            throw new IllegalStateException("report block changed while it was encoded: " + out.remaining() + " bytes short");
        }
        return out.array();
    }

    private static int index(Map<String, Integer> ids, List<String> table, String id) {
        Integer index = ids.get(id);
        if (index == null) {
            index = table.size();
            ids.put(id, index);
            table.add(id);
        }
        return index;
    }

    private static ReportBlock fromBytes(ByteBuffer in) {
        byte version = in.get();
        if (version != VERSION) {
            throw new IllegalStateException("report block of layout version " + version + "; this build reads " + VERSION);
        }
        int generation = ByteUtils.readVarint(in);
        String[] table = new String[ByteUtils.readVarint(in)];
        for (int i = 0; i < table.length; i++) {
            byte[] utf8 = new byte[ByteUtils.readVarint(in)];
            in.get(utf8);
            table[i] = new String(utf8, StandardCharsets.UTF_8);
        }
        SubjectType[] types = SubjectType.values();
        int count = ByteUtils.readVarint(in);
        Map<ReportCell, Totals> cells = new ConcurrentHashMap<>(Math.max(16, count * 4 / 3 + 1));
        for (int c = 0; c < count; c++) {
            SubjectType a = types[in.get() - 1];
            String aId = table[ByteUtils.readVarint(in)];
            int b = in.get();
            ReportCell cell = b == 0 ? new ReportCell(a, aId, null, null)
                    : new ReportCell(a, aId, types[b - 1], table[ByteUtils.readVarint(in)]);
            cells.put(cell, readTotals(in));
        }
        return new ReportBlock(generation, cells);
    }

    private static Totals readTotals(ByteBuffer in) {
        return new Totals(ByteUtils.readVarlong(in), ByteUtils.readVarlong(in), ByteUtils.readVarlong(in), ByteUtils.readVarlong(in),
                ByteUtils.readVarlong(in), ByteUtils.readVarlong(in), ByteUtils.readVarlong(in), ByteUtils.readVarlong(in),
                ByteUtils.readVarlong(in), ByteUtils.readVarlong(in), ByteUtils.readVarlong(in));
    }
}
