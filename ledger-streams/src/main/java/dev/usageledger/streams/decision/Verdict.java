package dev.usageledger.streams.decision;

/** The answer for one budget, and for a whole check (the worst of its budgets). */
public enum Verdict {
    allow, warn, deny;

    Verdict worst(Verdict other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
