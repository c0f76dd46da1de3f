package dev.usageledger.streams;

/**
 * Every processor and store name of the topology, in one place. Names are part of the
 * application's state (changelog topics and state directories are named after stores): renaming
 * one loses its state, so they never come from generated defaults.
 */
public final class Names {
    public static final String USAGE_SOURCE = "usage-source";
    public static final String VALIDATE = "validate";
    public static final String COUNT = "count";
    public static final String REJECTED_SINK = "rejected-sink";
    public static final String BREACHES_SINK = "breaches-sink";
    public static final String RATED_SINK = "rated-sink";
    public static final String SEEDS_SOURCE = "seeds-source";
    public static final String SEEDS_SINK = "seeds-sink";
    public static final String HOLDS_SOURCE = "holds-source";
    public static final String HOLDS = "holds";
    public static final String HOLDS_SINK = "holds-sink";
    public static final String DECISIONS_SINK = "decisions-sink";
    public static final String HOLDS_REJECTED_SINK = "holds-rejected-sink";

    public static final String RATED_SOURCE = "rated-source";
    public static final String REPORT = "report";

    public static final String PRICES_SOURCE = "prices-source";
    public static final String PRICE_BOOK = "price-book";
    public static final String POLICIES_SOURCE = "policies-source";
    public static final String POLICY_BOOK = "policy-book";
    public static final String DIRECTORY_SOURCE = "directory-source";
    public static final String DIRECTORY_BOOK = "directory-book";
    public static final String GLOBAL_USAGE_SINK = "global-usage-sink";
    public static final String GLOBAL_USAGE_SOURCE = "global-usage-source";
    public static final String GLOBAL_COUNT = "global-count";
    public static final String GLOBAL_BREACHES_SINK = "global-breaches-sink";
    public static final String GLOBAL_COUNTERS_SINK = "global-counters-sink";
    public static final String GLOBAL_COUNTERS_SOURCE = "global-counters-source";
    public static final String GLOBAL_COUNTERS_BOOK = "global-counters-book";

    public static final String DEDUPE_STORE = "dedupe-store";
    public static final String PRICE_STORE = "price-store";
    public static final String TOTALS_MONTH_STORE = "totals-month-store";
    public static final String POLICY_STORE = "policy-store";
    public static final String DIRECTORY_STORE = "directory-store";
    public static final String GLOBAL_POLICY_COUNTER_STORE = "global-policy-counter-store";
    public static final String GLOBAL_BREACH_STORE = "global-breach-store";
    public static final String GLOBAL_COUNTER_STORE = "global-counter-store";
    public static final String POLICY_COUNTER_STORE = "policy-counter-store";
    public static final String ROLLING_COUNTER_STORE = "rolling-counter-store";
    public static final String BREACH_STORE = "breach-store";
    public static final String POLICY_SEED_STORE = "policy-seed-store";
    public static final String HOLD_STORE = "hold-store";
    public static final String HELD_STORE = "held-store";
    public static final String HOLD_DUE_STORE = "hold-due-store";
    public static final String JOURNAL_EPOCH_STORE = "journal-epoch-store";
    public static final String REJECTED_STORE = "rejected-count-store";
    public static final String REPORT_QUARTER_STORE = "report-quarter-store";
    public static final String REPORT_HOUR_STORE = "report-hour-store";
    public static final String REPORT_DAY_STORE = "report-day-store";

    private Names() {
    }
}
