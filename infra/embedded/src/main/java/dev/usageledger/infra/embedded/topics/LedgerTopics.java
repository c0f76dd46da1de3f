package dev.usageledger.infra.embedded.topics;

import java.util.List;
import java.util.Map;

/**
 * The ledger's topics (DESIGN.md, "Topics") in one table: names, partitions, cleanup and
 * retention. Names are configuration; these are the defaults.
 */
public final class LedgerTopics {
    public static final String USAGE = "ledger.usage.v1";
    public static final String POLICIES = "ledger.policies.v1";
    public static final String PRICES = "ledger.prices.v1";
    public static final String HOLDS = "ledger.holds.v1";
    public static final String BREACHES = "ledger.breaches.v1";
    public static final String DECISIONS = "ledger.decisions.v1";
    public static final String HOLD_REQUESTS = "ledger.hold-requests.v1";
    public static final String HOLD_JOURNAL = "ledger.hold-journal.v1";
    public static final String REJECTED = "ledger.usage.rejected.v1";
    public static final String RATED = "ledger.usage.rated.v1";
    public static final String SEEDS = "ledger.seeds.v1";
    public static final String DIRECTORY = "ledger.directory.v1";
    public static final String GLOBAL_USAGE = "ledger.global-usage.v1";
    public static final String GLOBAL_COUNTERS = "ledger.global-counters.v1";

    private static final String FOREVER = "-1";
    private static final String ONE_YEAR_MS = Long.toString(365L * 24 * 3600 * 1000);
    private static final String THIRTY_DAYS_MS = Long.toString(30L * 24 * 3600 * 1000);

    private LedgerTopics() {
    }

    /**
     * Every ledger topic with {@code partitions} partitions for the tenant-keyed topics. The
     * usage topic is the system of record: kept forever and never compacted; so is the rated
     * topic, the counted usage that audits and reporting read. The seeds topic carries the reporting
     * part's answers to seed requests, applied once by enforcement. Policies, prices and
     * the key directory are compacted tables (a price's and a directory version's key carries its
     * effective time, so compaction keeps history).
     */
    public static List<TopicSpec> all(int partitions) {
        return List.of(
                new TopicSpec(USAGE, partitions, Map.of("cleanup.policy", "delete", "retention.ms", FOREVER,
                        "retention.bytes", FOREVER)),
                new TopicSpec(POLICIES, partitions, Map.of("cleanup.policy", "compact")),
                new TopicSpec(PRICES, partitions, Map.of("cleanup.policy", "compact")),
                new TopicSpec(HOLDS, partitions, Map.of("cleanup.policy", "delete", "retention.ms", ONE_YEAR_MS)),
                new TopicSpec(BREACHES, partitions, Map.of("cleanup.policy", "delete", "retention.ms", ONE_YEAR_MS)),
                new TopicSpec(DECISIONS, partitions, Map.of("cleanup.policy", "delete", "retention.ms", THIRTY_DAYS_MS)),
                new TopicSpec(HOLD_REQUESTS, partitions, Map.of("cleanup.policy", "delete", "retention.ms", THIRTY_DAYS_MS)),
                new TopicSpec(HOLD_JOURNAL, partitions, Map.of("cleanup.policy", "delete", "retention.ms", THIRTY_DAYS_MS)),
                new TopicSpec(REJECTED, partitions, Map.of("cleanup.policy", "delete", "retention.ms", ONE_YEAR_MS)),
                new TopicSpec(RATED, partitions, Map.of("cleanup.policy", "delete", "retention.ms", FOREVER,
                        "retention.bytes", FOREVER)),
                new TopicSpec(SEEDS, partitions, Map.of("cleanup.policy", "delete", "retention.ms", THIRTY_DAYS_MS)),
                new TopicSpec(DIRECTORY, partitions, Map.of("cleanup.policy", "compact")),
                // one partition each: one task counts every global limit (ADR 0003)
                new TopicSpec(GLOBAL_USAGE, 1, Map.of("cleanup.policy", "delete", "retention.ms", THIRTY_DAYS_MS)),
                new TopicSpec(GLOBAL_COUNTERS, 1, Map.of("cleanup.policy", "compact")));
    }
}
