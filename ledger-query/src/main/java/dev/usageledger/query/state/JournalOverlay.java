package dev.usageledger.query.state;

import dev.usageledger.schemas.avro.HoldState;
import java.time.Duration;
import java.util.List;

/**
 * Hold decisions answered and journaled here that the partition's task has not applied to its
 * stores yet. Reads of held amounts and of holds add them, so a client that got an answer sees its
 * hold at once, in checks, status and the hold itself.
 */
public interface JournalOverlay {
    JournalOverlay NONE = new JournalOverlay() {
        @Override
        public long unappliedHeld(int partition, String heldKey) {
            return 0;
        }

        @Override
        public HoldState journaled(int partition, String holdKey) {
            return null;
        }

        @Override
        public List<HoldState> journaledOf(int partition, String tenant) {
            return List.of();
        }

        @Override
        public boolean awaitOpen(int partition, Duration timeout) {
            return true;
        }
    };

    /** What journaled, unapplied holds reserve on the budget with this held-store key. */
    long unappliedHeld(int partition, String heldKey);

    /** The journaled, unapplied decision of a hold, or null. */
    HoldState journaled(int partition, String holdKey);

    /** The tenant's journaled, unapplied decisions on the partition. */
    List<HoldState> journaledOf(int partition, String tenant);

    /**
     * Waits (bounded) until the partition's journal is open here: its previous writer fenced and
     * every decision it journaled applied to the stores. Until then the stores of a partition that
     * just moved here may miss answers the previous owner gave, so nothing is read from them.
     *
     * @return whether it is open
     */
    boolean awaitOpen(int partition, Duration timeout) throws InterruptedException;
}
