package dev.usageledger.streams.steps;

import dev.usageledger.schemas.avro.BudgetPolicy;
import dev.usageledger.schemas.avro.DirectoryEntry;
import dev.usageledger.schemas.avro.HoldEvent;
import dev.usageledger.schemas.avro.HoldState;
import dev.usageledger.schemas.avro.PolicySeed;
import dev.usageledger.schemas.avro.PriceChange;
import dev.usageledger.schemas.avro.RatedUsageEvent;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.registry.SchemaRegistryClient;
import dev.usageledger.schemas.serde.AvroDeserializer;
import dev.usageledger.streams.TopologyListener;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.model.PolicyCounter;
import dev.usageledger.streams.state.DirectoryCache;
import dev.usageledger.streams.state.PolicyIndexCache;
import dev.usageledger.streams.state.PriceHistoryCache;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;

/**
 * The topology's processors, as suppliers for {@link dev.usageledger.streams.LedgerTopology} and
 * {@link dev.usageledger.streams.ReportingTopology} to
 * wire (each supplies a new processor per task). The package's one public type: the processors
 * and the step helpers they share stay package-private, and whoever else needs a store's keys or
 * values reads them through the state layer ({@code dev.usageledger.streams.state}).
 */
public final class Steps {
    private Steps() {
    }

    /** Turns raw usage records into valid events, or sets them aside with the reason. */
    public static ProcessorSupplier<byte[], byte[], Object, Object> validate(SchemaRegistryClient registry, Duration maxFutureSkew,
                                                                            Duration lateGrace, Duration reportsKept,
                                                                            TopologyListener listener) {
        return () -> new ValidateProcessor(new AvroDeserializer<>(UsageEvent.class, registry), maxFutureSkew, lateGrace, reportsKept,
                listener);
    }

    /**
     * Counts a valid event wholly or not at all: dedupe, rating, totals, policy counters and breaches, its hold's
     * settlement; registers policies and applies their seeds.
     */
    public static ProcessorSupplier<String, Object, String, Object> count(Duration dedupeHorizon, Duration lateGrace,
                                                                         Duration maxFutureSkew, Duration breachRetention,
                                                                         PolicyIndexCache indexes, PriceHistoryCache prices,
                                                                         DirectoryCache directory, LiveState live,
                                                                         TopologyListener listener) {
        return () -> new CountProcessor(dedupeHorizon, lateGrace, maxFutureSkew, breachRetention, indexes, prices, directory, live,
                listener);
    }

    /** Decides hold requests and voids, and ends expired holds. */
    public static ProcessorSupplier<String, byte[], String, Object> holds(SchemaRegistryClient registry, String journalTopic,
                                                                         PolicyIndexCache indexes, TopologyListener listener,
                                                                         Duration keepFinished, LiveState live) {
        return () -> new HoldProcessor(new AvroDeserializer<>(HoldEvent.class, registry), new AvroDeserializer<>(HoldState.class, registry),
                journalTopic, indexes, listener, keepFinished, live);
    }

    /**
     * Adds each counted event of the rated topic to the report blocks of every scope it counts toward, and
     * answers seed requests from blocks kept for {@code kept}.
     */
    public static ProcessorSupplier<String, RatedUsageEvent, String, PolicySeed> report(TopologyListener listener, Duration kept) {
        return () -> new ReportProcessor(listener, kept);
    }

    /** Keeps the global price book in the store {@code storeName}, invalidating {@code histories} after each change. */
    public static ProcessorSupplier<String, byte[], Void, Void> priceBook(String storeName, SchemaRegistryClient registry,
                                                                         TopologyListener listener, PriceHistoryCache histories) {
        return () -> new PriceBookProcessor(storeName, new AvroDeserializer<>(PriceChange.class, registry), listener, histories);
    }

    /** Keeps the global policy book in the store {@code storeName}, invalidating {@code indexes} after each change. */
    public static ProcessorSupplier<String, byte[], Void, Void> policyBook(String storeName, SchemaRegistryClient registry,
                                                                          TopologyListener listener, PolicyIndexCache indexes) {
        return () -> new PolicyBookProcessor(storeName, new AvroDeserializer<>(BudgetPolicy.class, registry), listener, indexes);
    }

    /** Keeps the global key directory in the store {@code storeName}, invalidating {@code cache} after each change. */
    public static ProcessorSupplier<String, byte[], Void, Void> directoryBook(String storeName, SchemaRegistryClient registry,
                                                                             TopologyListener listener, DirectoryCache cache) {
        return () -> new DirectoryBookProcessor(storeName, new AvroDeserializer<>(DirectoryEntry.class, registry), listener, cache);
    }

    /** Counts the usage global policies govern, in the global task (ADR 0003). */
    public static ProcessorSupplier<String, RatedUsageEvent, String, Object> globalCount(PolicyIndexCache indexes, Duration lateGrace,
                                                                                         Duration breachRetention) {
        return () -> new GlobalCountProcessor(indexes, lateGrace, breachRetention);
    }

    /** Keeps every instance's copy of the global counters in the store {@code storeName}. */
    public static ProcessorSupplier<String, PolicyCounter, Void, Void> globalCounters(String storeName) {
        return () -> new GlobalCountersBookProcessor(storeName);
    }
}
