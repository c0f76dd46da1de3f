package dev.usageledger.streams.model;

import dev.usageledger.schemas.avro.SubjectType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
    /** The layout: 1 had its cells in any order; 2 has the total and the singles before the pairs. */
    private static final byte VERSION = 2;
    private static final int TOTALS_FIELDS = 11;

    private final int generation;
    /** Null while the block is still only its bytes (read from a store and not yet changed or iterated). */
    private Map<ReportCell, Totals> cells;
    private final byte[] encoded;

    public ReportBlock(int generation) {
        this(generation, new ConcurrentHashMap<>(), null);
    }

    private ReportBlock(int generation, Map<ReportCell, Totals> cells, byte[] encoded) {
        if (generation < 0) {
            throw new IllegalArgumentException("a generation is not negative: " + generation);
        }
        this.generation = generation;
        this.cells = cells;
        this.encoded = encoded;
    }

    /**
     * The cells, decoded from the bytes on first use. A block read from a store belongs to the
     * thread that read it until it is written back, so decoding needs no lock: the writer decodes
     * before it changes a block, and the blocks it holds for readers are decoded by then.
     */
    private Map<ReportCell, Totals> cells() {
        Map<ReportCell, Totals> decoded = cells;
        if (decoded == null) {
            decoded = decode(ByteBuffer.wrap(encoded));
            cells = decoded;
        }
        return decoded;
    }

    public int generation() {
        return generation;
    }

    /** This block with its cells decoded: for a writer, which reads many of its cells and changes some. */
    public ReportBlock decoded() {
        cells();
        return this;
    }

    public int size() {
        return cells().size();
    }

    /**
     * The cell's totals, or zero when no event added to it. A block still only its bytes is
     * searched without being decoded: a report of one scope reads one cell of each block.
     */
    public Totals get(ReportCell cell) {
        Map<ReportCell, Totals> decoded = cells;
        if (decoded == null) {
            return find(ByteBuffer.wrap(encoded), cell);
        }
        Totals totals = decoded.get(cell);
        return totals == null ? Totals.ZERO : totals;
    }

    /** Replaces the cell's totals (the writing thread only). */
    public void put(ReportCell cell, Totals totals) {
        cells().put(cell, totals);
    }

    public void forEach(BiConsumer<ReportCell, Totals> each) {
        cells().forEach(each);
    }

    /**
     * The store layout, compact because a block is written whole at every commit that changed it:
     * a version byte, the generation, each member id once (a table of UTF-8 strings), then per cell
     * its dimensions (ordinal + 1, 0 for none), its members as indexes into the table and its
     * totals, every number a variable-length zig-zag integer.
     */
    public static Serde<ReportBlock> serde() {
        Serializer<ReportBlock> serializer = (topic, block) -> block == null ? null : block.toBytes();
        Deserializer<ReportBlock> deserializer = (topic, bytes) -> bytes == null ? null : fromBytes(bytes);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    /** Encodes on the writing thread, which alone changes the block: what it iterates stays still meanwhile. */
    private byte[] toBytes() {
        Map<ReportCell, Totals> cells = cells();
        List<Map.Entry<ReportCell, Totals>> ordered = new ArrayList<>(cells.size());
        for (boolean pairs : new boolean[] {false, true}) {
            for (Map.Entry<ReportCell, Totals> entry : cells.entrySet()) {
                if (entry.getKey().isPair() == pairs) {
                    ordered.add(entry);
                }
            }
        }
        Map<String, Integer> ids = new HashMap<>();
        List<String> table = new ArrayList<>();
        int size = 1 + ByteUtils.sizeOfVarint(generation) + ByteUtils.sizeOfVarint(ordered.size());
        for (Map.Entry<ReportCell, Totals> entry : ordered) {
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
        ByteUtils.writeVarint(ordered.size(), out);
        for (Map.Entry<ReportCell, Totals> entry : ordered) {
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

    private static ReportBlock fromBytes(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte version = in.get();
        if (version != VERSION && version != 1) {
            throw new IllegalStateException("report block of layout version " + version + "; this build reads 1 and " + VERSION);
        }
        return new ReportBlock(ByteUtils.readVarint(in), null, bytes);
    }

    /** Reads the version and generation, then the table of member ids. */
    private static String[] table(ByteBuffer in) {
        in.get();
        ByteUtils.readVarint(in);
        String[] table = new String[ByteUtils.readVarint(in)];
        for (int i = 0; i < table.length; i++) {
            int length = ByteUtils.readVarint(in);
            table[i] = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
            in.position(in.position() + length);
        }
        return table;
    }

    private static Map<ReportCell, Totals> decode(ByteBuffer in) {
        String[] table = table(in);
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
        return cells;
    }

    /** The cell's totals found in the bytes, reading no more than it must: a single ends its search at the first pair (layout 2). */
    private static Totals find(ByteBuffer in, ReportCell cell) {
        byte version = in.get(0);
        in.get();
        ByteUtils.readVarint(in);
        int entries = ByteUtils.readVarint(in);
        byte[] aId = cell.aId().getBytes(StandardCharsets.UTF_8);
        byte[] bId = cell.isPair() ? cell.bId().getBytes(StandardCharsets.UTF_8) : null;
        int a = -1;
        int b = -1;
        for (int i = 0; i < entries; i++) {
            int length = ByteUtils.readVarint(in);
            if (a < 0 && matches(in, length, aId)) {
                a = i;
            }
            if (bId != null && b < 0 && matches(in, length, bId)) {
                b = i;
            }
            in.position(in.position() + length);
        }
        if (a < 0 || (bId != null && b < 0)) {
            return Totals.ZERO;
        }
        int wantedA = cell.a().ordinal() + 1;
        int wantedB = cell.isPair() ? cell.b().ordinal() + 1 : 0;
        int count = ByteUtils.readVarint(in);
        for (int c = 0; c < count; c++) {
            int dimA = in.get();
            int idA = ByteUtils.readVarint(in);
            int dimB = in.get();
            if (dimB != 0 && wantedB == 0 && version >= 2) {
                return Totals.ZERO; // the singles are over
            }
            int idB = dimB == 0 ? -1 : ByteUtils.readVarint(in);
            if (dimA == wantedA && idA == a && dimB == wantedB && (dimB == 0 || idB == b)) {
                return readTotals(in);
            }
            for (int field = 0; field < TOTALS_FIELDS; field++) {
                while ((in.get() & 0x80) != 0) { // skip one variable-length integer
                }
            }
        }
        return Totals.ZERO;
    }

    private static boolean matches(ByteBuffer in, int length, byte[] wanted) {
        return length == wanted.length && Arrays.equals(in.array(), in.position(), in.position() + length, wanted, 0, length);
    }

    private static Totals readTotals(ByteBuffer in) {
        return new Totals(ByteUtils.readVarlong(in), ByteUtils.readVarlong(in), ByteUtils.readVarlong(in), ByteUtils.readVarlong(in),
                ByteUtils.readVarlong(in), ByteUtils.readVarlong(in), ByteUtils.readVarlong(in), ByteUtils.readVarlong(in),
                ByteUtils.readVarlong(in), ByteUtils.readVarlong(in), ByteUtils.readVarlong(in));
    }
}
