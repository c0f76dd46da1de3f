package dev.usageledger.streams.steps;

/** How a valid usage event reached the ledger, which decides where it counts (ADR 0002). */
enum Arrival {
    /** Within the late grace of the newest event seen: counted in its own period everywhere. */
    LIVE,
    /**
     * Live (no import header) but older than the grace, as from a producer's spool after a long
     * outage: in its own period in the reports and the audit; in the budgets whose period has
     * closed, added to the current period as an adjustment.
     */
    LATE,
    /** Imported history: in its own period in the reports and the audit; in the budgets only where that period is still open. */
    IMPORTED
}
