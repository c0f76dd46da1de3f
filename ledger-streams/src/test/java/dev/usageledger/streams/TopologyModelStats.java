package dev.usageledger.streams;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a run of the model-based test compared, summed over its cases (shrinking included): so
 * its output shows that events were counted, breaches emitted and holds placed, not only that
 * nothing differed.
 */
final class TopologyModelStats {
    private final Map<String, Long> counts = new TreeMap<>();

    synchronized void reset() {
        counts.clear();
    }

    /** Adds one compared step: what it put on the topics, and the store entries compared after it. */
    synchronized void step(TopologyModelSnapshot outputs, TopologyModelSnapshot stores) {
        add("steps", 1);
        add("store entries", stores.lines().size());
        outputs.lines().forEach((what, value) -> {
            String[] words = what.split(" ");
            String kind = words[1].equals("hold-event") ? "hold " + words[2] : words[1];
            add(kind, what.startsWith("out decision") ? 1 : Long.parseLong(value));
            if (what.contains("|by seed:")) { // raised when a policy new in its period got the usage counted before it
                add("breach by a seed", Long.parseLong(value));
            }
        });
    }

    /** Adds what a case's stores hold at its end. */
    synchronized void caseEnd(TopologyModelSnapshot stores) {
        add("cases", 1);
        stores.lines().forEach((k, value) -> {
            if (k.startsWith("dedupe ")) {
                add("events counted", 1);
            } else if (k.startsWith("counter ")) {
                add("counters", 1);
                if (!value.endsWith(" late=0")) {
                    add("counters with a late adjustment", 1);
                }
            } else if (k.startsWith("rolling ")) {
                add("rolling buckets", 1);
            } else if (k.startsWith("totals month ")) {
                add("month totals", 1);
            }
        });
    }

    private void add(String what, long n) {
        counts.merge(what, n, Long::sum);
    }

    @Override
    public synchronized String toString() {
        return counts.toString();
    }
}
