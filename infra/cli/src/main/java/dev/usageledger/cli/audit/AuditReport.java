package dev.usageledger.cli.audit;

import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.streams.model.RatedUsage;
import dev.usageledger.streams.model.Totals;
import dev.usageledger.streams.rules.Scopes;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the audit found: one CSV row per counted event, totals per tenant, scope and UTC day and
 * month, and per partition a SHA-256 digest over the counted events' offsets and bytes, in offset
 * order, so two audits of the same range can be compared by their digests alone.
 */
final class AuditReport implements AutoCloseable {
    /** Totals key: tenant, scope ({@code type:id}), and a UTC day ({@code 2026-11-20}) or month ({@code 2026-11}). */
    record Key(String tenant, String scope, String period) implements Comparable<Key> {
        @Override
        public int compareTo(Key other) {
            int byTenant = tenant.compareTo(other.tenant);
            if (byTenant != 0) {
                return byTenant;
            }
            int byScope = scope.compareTo(other.scope);
            return byScope != 0 ? byScope : period.compareTo(other.period);
        }
    }

    /** One partition's share of the audit. */
    static final class PartitionDigest {
        final MessageDigest sha256;
        long events;
        long firstOffset = -1;
        long lastOffset = -1;

        PartitionDigest() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every JDK", e);
            }
        }
    }

    /** Summed in hash maps (one lookup per scope and event); {@link #sorted} orders them for output. */
    final Map<Key, Totals> days = new HashMap<>();
    final Map<Key, Totals> months = new HashMap<>();
    final Map<Integer, PartitionDigest> partitions = new TreeMap<>();
    /** Each tenant's last counted event: its usage offset (a tenant's events are all on one partition). */
    final Map<String, Long> lastCounted = new HashMap<>();
    Totals grand = Totals.ZERO;
    long counted;
    long unpriced;
    /** Events and cost by how they arrived: late usage and imported history are counted in their own period, and shown apart. */
    final Map<UsageReplay.Arrival, long[]> byArrival = new java.util.EnumMap<>(UsageReplay.Arrival.class);
    private final BufferedWriter events;
    private long currentEpochDay = Long.MIN_VALUE;
    private String currentDay;

    AuditReport(Path out) throws IOException {
        Files.createDirectories(out);
        events = Files.newBufferedWriter(out.resolve("events.csv"));
        events.write("partition,offset,event_id,tenant_id,occurred_at,user_id,api_key_id,provider,model,feature,input_tokens,"
                + "cached_input_tokens,output_tokens,reasoning_tokens,requests,status,cost_micros,unpriced,arrival\n");
    }

    void add(UsageReplay.Counted counted) {
        UsageEvent e = counted.event();
        RatedUsage rated = new RatedUsage(e, counted.costMicros(), counted.unpriced());
        this.counted++;
        if (counted.unpriced()) {
            unpriced++;
        }
        grand = grand.plus(rated);
        long[] arrived = byArrival.computeIfAbsent(counted.arrival(), a -> new long[2]);
        arrived[0]++;
        arrived[1] = Math.addExact(arrived[1], counted.costMicros());
        Instant at = e.getOccurredAt();
        String day = day(at);
        String month = day.substring(0, 7);
        for (Scopes.Scope scope : Scopes.of(e)) {
            String name = scope.type().name() + ":" + scope.id();
            days.merge(new Key(e.getTenantId(), name, day), Totals.ZERO.plus(rated), Totals::plus);
            months.merge(new Key(e.getTenantId(), name, month), Totals.ZERO.plus(rated), Totals::plus);
        }
        PartitionDigest digest = partitions.computeIfAbsent(counted.partition(), p -> new PartitionDigest());
        digest.sha256.update(ByteBuffer.allocate(Long.BYTES).putLong(counted.offset()).array());
        digest.sha256.update(counted.raw());
        digest.events++;
        if (digest.firstOffset < 0) {
            digest.firstOffset = counted.offset();
        }
        digest.lastOffset = counted.offset();
        lastCounted.merge(e.getTenantId(), counted.offset(), Math::max);
        try {
            events.write(String.join(",", Integer.toString(counted.partition()), Long.toString(counted.offset()), csv(e.getEventId()),
                    csv(e.getTenantId()), at.toString(), csv(e.getUserId()), csv(e.getApiKeyId()), csv(e.getProvider()), csv(e.getModel()),
                    csv(e.getFeature()), Long.toString(e.getInputTokens()), Long.toString(e.getCachedInputTokens()),
                    Long.toString(e.getOutputTokens()), Long.toString(e.getReasoningTokens()), Long.toString(e.getRequests()),
                    e.getStatus().name(), Long.toString(counted.costMicros()), Boolean.toString(counted.unpriced()),
                    counted.arrival().name().toLowerCase(java.util.Locale.ROOT)));
            events.newLine();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The UTC day of an instant, e.g. {@code 2026-11-20}; events come mostly in time order, so the last day is kept. */
    private String day(Instant at) {
        long epochDay = Math.floorDiv(at.toEpochMilli(), 86_400_000L);
        if (epochDay != currentEpochDay) {
            currentEpochDay = epochDay;
            currentDay = LocalDate.ofEpochDay(epochDay).toString();
        }
        return currentDay;
    }

    /** Totals in tenant, scope and period order. */
    static SortedMap<Key, Totals> sorted(Map<Key, Totals> totals) {
        return new TreeMap<>(totals);
    }

    static String hex(PartitionDigest digest) {
        return HexFormat.of().formatHex(digest.sha256.digest());
    }

    void writeTotals(Path out) throws IOException {
        try (BufferedWriter totals = Files.newBufferedWriter(out.resolve("totals.csv"))) {
            totals.write("tenant_id,scope,granularity,period,cost_micros,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,"
                    + "requests,events,errors,unpriced\n");
            write(totals, "day", sorted(days));
            write(totals, "month", sorted(months));
        }
    }

    private static void write(BufferedWriter out, String granularity, Map<Key, Totals> totals) throws IOException {
        for (var entry : totals.entrySet()) {
            Totals t = entry.getValue();
            out.write(String.join(",", csv(entry.getKey().tenant()), csv(entry.getKey().scope()), granularity, entry.getKey().period(),
                    Long.toString(t.costMicros()), Long.toString(t.inputTokens()), Long.toString(t.cachedInputTokens()),
                    Long.toString(t.outputTokens()), Long.toString(t.reasoningTokens()), Long.toString(t.requests()),
                    Long.toString(t.events()), Long.toString(t.errors()), Long.toString(t.unpriced())));
            out.newLine();
        }
    }

    static String csv(String value) {
        if (value == null) {
            return "";
        }
        return value.contains(",") || value.contains("\"") || value.contains("\n") ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
    }

    @Override
    public void close() throws IOException {
        events.close();
    }
}
