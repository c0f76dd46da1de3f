package dev.usageledger.streams.model;

import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.rules.Scopes.Scope;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One scope's usage in one report bucket, and the same usage broken down by each other dimension
 * its events named (a user's by model, provider, feature, API key and team; a team's by user, and
 * so on). A breakdown by a dimension sums, over its members, to the part of the row's totals whose
 * events named that dimension.
 *
 * <p>One thread writes a row (the reporting task, in place: a row of a busy tenant can hold
 * thousands of members, too many to copy per event); any thread may read it. The totals are
 * replaced whole and each breakdown member is an immutable {@link Totals} in a concurrent map, so a
 * reader never sees part of an amount; a read made while an event is being added may see it in
 * some of the row's parts and not yet in others.
 */
public final class ReportRow {
    private volatile Totals totals;
    private final Map<SubjectType, Map<String, Totals>> by;

    public ReportRow() {
        this(Totals.ZERO, new EnumMap<>(SubjectType.class));
    }

    private ReportRow(Totals totals, Map<SubjectType, Map<String, Totals>> by) {
        this.totals = totals;
        this.by = new ConcurrentHashMap<>(by);
    }

    public Totals totals() {
        return totals;
    }

    /** The row's breakdown by {@code dimension}: member to totals (empty when no event named one). */
    public Map<String, Totals> by(SubjectType dimension) {
        Map<String, Totals> members = by.get(dimension);
        return members == null ? Map.of() : members;
    }

    /**
     * The change adding {@code usage} to this row, the row being {@code own}'s, with every new
     * amount computed and checked for overflow before anything is written.
     *
     * @throws ArithmeticException when an amount would overflow: nothing is changed
     */
    public Change add(RatedUsage usage, Scope own, List<Scope> scopes) {
        Totals nextTotals = totals.plus(usage);
        List<Member> members = new ArrayList<>(scopes.size());
        for (Scope scope : scopes) {
            if (scope.type() == SubjectType.tenant || scope.type() == own.type()) {
                continue; // a row is not broken down by its own dimension, nor by the tenant (one member)
            }
            Totals current = by(scope.type()).get(scope.id());
            members.add(new Member(scope.type(), scope.id(), (current == null ? Totals.ZERO : current).plus(usage)));
        }
        return new Change(this, nextTotals, members);
    }

    private record Member(SubjectType dimension, String id, Totals totals) {
    }

    /** New amounts for a row, computed; {@link #apply()} writes them. */
    public static final class Change {
        private final ReportRow row;
        private final Totals totals;
        private final List<Member> members;

        private Change(ReportRow row, Totals totals, List<Member> members) {
            this.row = row;
            this.totals = totals;
            this.members = members;
        }

        public ReportRow row() {
            return row;
        }

        public void apply() {
            for (Member member : members) {
                row.by.computeIfAbsent(member.dimension(), d -> new ConcurrentHashMap<>()).put(member.id(), member.totals());
            }
            row.totals = totals;
        }
    }

    /**
     * The store layout: the totals, then per dimension its ordinal, its member count and each
     * member as a length-prefixed UTF-8 id and its totals.
     */
    public static Serde<ReportRow> serde() {
        Serializer<ReportRow> serializer = (topic, row) -> row == null ? null : row.toBytes();
        Deserializer<ReportRow> deserializer = (topic, bytes) -> bytes == null ? null : fromBytes(ByteBuffer.wrap(bytes));
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private byte[] toBytes() {
        Totals snapshot = totals;
        List<Map.Entry<SubjectType, List<Map.Entry<byte[], Totals>>>> dimensions = new ArrayList<>(by.size());
        int size = Totals.BYTES + Integer.BYTES;
        for (Map.Entry<SubjectType, Map<String, Totals>> dimension : by.entrySet()) {
            List<Map.Entry<byte[], Totals>> members = new ArrayList<>(dimension.getValue().size());
            dimension.getValue().forEach((id, member) -> members.add(Map.entry(id.getBytes(StandardCharsets.UTF_8), member)));
            dimensions.add(Map.entry(dimension.getKey(), members));
            size += 1 + Integer.BYTES;
            for (Map.Entry<byte[], Totals> member : members) {
                size += Integer.BYTES + member.getKey().length + Totals.BYTES;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        snapshot.write(out);
        out.putInt(dimensions.size());
        for (Map.Entry<SubjectType, List<Map.Entry<byte[], Totals>>> dimension : dimensions) {
            out.put((byte) dimension.getKey().ordinal());
            out.putInt(dimension.getValue().size());
            for (Map.Entry<byte[], Totals> member : dimension.getValue()) {
                out.putInt(member.getKey().length).put(member.getKey());
                member.getValue().write(out);
            }
        }
        return out.array();
    }

    private static ReportRow fromBytes(ByteBuffer in) {
        Totals totals = Totals.read(in.slice(in.position(), Totals.BYTES));
        in.position(in.position() + Totals.BYTES);
        int dimensions = in.getInt();
        Map<SubjectType, Map<String, Totals>> by = new EnumMap<>(SubjectType.class);
        for (int d = 0; d < dimensions; d++) {
            SubjectType dimension = SubjectType.values()[in.get()];
            int count = in.getInt();
            Map<String, Totals> members = new ConcurrentHashMap<>(count * 2);
            for (int m = 0; m < count; m++) {
                byte[] id = new byte[in.getInt()];
                in.get(id);
                members.put(new String(id, StandardCharsets.UTF_8), Totals.read(in.slice(in.position(), Totals.BYTES)));
                in.position(in.position() + Totals.BYTES);
            }
            by.put(dimension, members);
        }
        return new ReportRow(totals, by);
    }
}
