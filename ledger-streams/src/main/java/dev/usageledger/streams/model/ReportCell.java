package dev.usageledger.streams.model;

import dev.usageledger.schemas.avro.SubjectType;
import dev.usageledger.streams.rules.Scopes.Scope;
import java.util.ArrayList;
import java.util.List;

/**
 * One cell of a tenant's report block: what one counted event adds to. The tenant's own total
 * ({@link #TOTAL}); one scope's total, a <em>single</em> (user {@code u1}); or a <em>pair</em> of
 * scopes of two dimensions (user {@code u1} with model {@code m1}), from which any scope is broken
 * down by any other dimension. A pair names its dimensions in {@link SubjectType} order, so user
 * with model and model with user are one cell.
 *
 * @param a the first dimension ({@code tenant} only in {@link #TOTAL})
 * @param aId its member ({@code ""} in {@link #TOTAL})
 * @param b the second dimension of a pair, null in a single and in the total
 * @param bId its member, null when {@code b} is
 */
public record ReportCell(SubjectType a, String aId, SubjectType b, String bId) {
    /** The tenant's own total. */
    public static final ReportCell TOTAL = new ReportCell(SubjectType.tenant, "", null, null);

    /** One scope's total; the tenant's is {@link #TOTAL}. */
    public static ReportCell single(SubjectType type, String id) {
        return type == SubjectType.tenant ? TOTAL : new ReportCell(type, id, null, null);
    }

    /** The pair of two scopes of different dimensions, in either order. */
    public static ReportCell pair(SubjectType type, String id, SubjectType other, String otherId) {
        if (type == other || type == SubjectType.tenant || other == SubjectType.tenant) {
            throw new IllegalArgumentException("a pair is of two dimensions other than the tenant: " + type + ", " + other);
        }
        return type.ordinal() < other.ordinal() ? new ReportCell(type, id, other, otherId) : new ReportCell(other, otherId, type, id);
    }

    /**
     * Every cell an event counting toward {@code scopes} adds to: the tenant's total, each scope's
     * single, and each pair of its scopes of two dimensions (an event of two teams adds to each
     * team's pairs, never to a pair of the two teams).
     */
    public static List<ReportCell> of(List<Scope> scopes) {
        List<ReportCell> cells = new ArrayList<>(scopes.size() * (scopes.size() + 1) / 2);
        for (int i = 0; i < scopes.size(); i++) {
            Scope scope = scopes.get(i);
            cells.add(single(scope.type(), scope.id()));
            if (scope.type() == SubjectType.tenant) {
                continue;
            }
            for (int j = i + 1; j < scopes.size(); j++) {
                Scope other = scopes.get(j);
                if (other.type() != SubjectType.tenant && other.type() != scope.type()) {
                    cells.add(pair(scope.type(), scope.id(), other.type(), other.id()));
                }
            }
        }
        return cells;
    }

    /** Whether this is a pair. */
    public boolean isPair() {
        return b != null;
    }

    /** The user this cell is of, or null: a block's cells are spread over its parts by user. */
    public String user() {
        if (a == SubjectType.user) {
            return aId;
        }
        return b == SubjectType.user ? bId : null;
    }

    /** The member of {@code dimension} in this pair besides {@code type}'s {@code id}, or null when this is not such a pair. */
    public String partner(SubjectType type, String id, SubjectType dimension) {
        if (a == type && b == dimension && aId.equals(id)) {
            return bId;
        }
        if (b == type && a == dimension && bId.equals(id)) {
            return aId;
        }
        return null;
    }
}
