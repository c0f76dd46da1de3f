package dev.usageledger.streams;

/** The names of the ledger's topics, as configured (see {@link LedgerStreamsConfig}). */
public record Topics(String usage, String policies, String prices, String holds, String breaches, String rejected,
                     String decisions, String holdRequests, String holdJournal, String rated, String seeds,
                     String directory, String globalUsage, String globalCounters) {

    /** The default names of DESIGN.md. */
    public static Topics defaults() {
        return new Topics("ledger.usage.v1", "ledger.policies.v1", "ledger.prices.v1", "ledger.holds.v1",
                "ledger.breaches.v1", "ledger.usage.rejected.v1", "ledger.decisions.v1", "ledger.hold-requests.v1",
                "ledger.hold-journal.v1", "ledger.usage.rated.v1", "ledger.seeds.v1", "ledger.directory.v1",
                "ledger.global-usage.v1", "ledger.global-counters.v1");
    }
}
