package dev.usageledger.streams;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything the model-based test compares after a step, as sorted lines {@code what → value}:
 * the stores' entries (totals, counters, rolling buckets, held amounts, holds, dedupe marks,
 * breaches) and what the step put on the output topics. The topology's side is read from the
 * driver and the reference model's side is written by the model; both spell lines through the
 * helpers here, so a difference is a difference of values, never of formatting.
 */
final class TopologyModelSnapshot {
    private final SortedMap<String, String> lines = new TreeMap<>();

    void put(String what, String value) {
        lines.put(what, value);
    }

    /** Counts one more occurrence of {@code what} (for outputs and breaches, where a duplicate is the bug). */
    void count(String what) {
        lines.merge(what, "1", (a, b) -> Integer.toString(Integer.parseInt(a) + 1));
    }

    SortedMap<String, String> lines() {
        return lines;
    }

    /** The differences from {@code expected}, at most {@code max} of them, each on a line. */
    List<String> differencesFrom(TopologyModelSnapshot expected, int max) {
        List<String> out = new ArrayList<>();
        TreeMap<String, String> all = new TreeMap<>(expected.lines);
        all.putAll(lines);
        for (Map.Entry<String, String> entry : all.entrySet()) {
            String want = expected.lines.get(entry.getKey());
            String got = lines.get(entry.getKey());
            if (!Objects.equals(want, got)) {
                out.add(entry.getKey() + "\n        model:    " + (want == null ? "(none)" : want)
                        + "\n        topology: " + (got == null ? "(none)" : got));
                if (out.size() == max) {
                    break;
                }
            }
        }
        return out;
    }

    static String totalsLine(String store, String key, Long bucket) {
        return "totals " + store + " " + TopologyModelKeys.readable(key) + (bucket == null ? "" : " @" + Instant.ofEpochMilli(bucket));
    }

    /** Cost, input, output, cached, reasoning, requests, events, errors, unpriced, latency. */
    static String totalsValue(long[] t) {
        return String.format("cost=%d in=%d out=%d cached=%d reasoning=%d requests=%d events=%d errors=%d unpriced=%d latency=%d",
                t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9]);
    }

    static String counterLine(String key) {
        return "counter " + TopologyModelKeys.readable(key);
    }

    static String counterValue(long used, List<Integer> crossedSorted, long late) {
        return "used=" + used + " crossed=" + crossedSorted + " late=" + late;
    }

    static String rollingLine(String key, long bucket) {
        return "rolling " + TopologyModelKeys.readable(key) + " @" + Instant.ofEpochMilli(bucket);
    }

    static String heldLine(String key) {
        return "held " + TopologyModelKeys.readable(key);
    }

    static String holdLine(String key) {
        return "hold " + TopologyModelKeys.readable(key);
    }

    static String holdValue(String state, long expiresAt, SortedMap<String, Long> lines, String settledBy, Long actual) {
        StringBuilder text = new StringBuilder();
        lines.forEach((k, v) -> text.append(text.isEmpty() ? "" : ", ").append(TopologyModelKeys.readable(k)).append('=').append(v));
        return "state=" + state + " expires=" + Instant.ofEpochMilli(expiresAt) + " lines={" + text + "} settled_by=" + settledBy
                + " actual=" + actual;
    }

    static String dedupeLine(String key, long at) {
        return "dedupe " + TopologyModelKeys.readable(key) + " @" + Instant.ofEpochMilli(at);
    }

    /** A breach by content (the decision time aside): stored and emitted ones are counted under the same text. */
    static String breachText(String tenant, String policyId, String subjectType, String member, String metric, long start, long end,
                             int threshold, long limit, long used, String eventId, long occurredAt) {
        return tenant + "|" + policyId + "|" + subjectType + ":" + member + "|" + metric + "|[" + Instant.ofEpochMilli(start) + ", "
                + Instant.ofEpochMilli(end) + ")|" + threshold + "%|limit=" + limit + "|used=" + used + "|by " + eventId + " at "
                + Instant.ofEpochMilli(occurredAt);
    }

    static String holdEventLine(String type, String holdId, String settledBy, Long actual) {
        return "out hold-event " + type + " " + holdId + " settled_by=" + settledBy + " actual=" + actual;
    }

    static String budgetText(String policyId, String subjectType, String member, long used, long held, long limit, String verdict) {
        return policyId + " " + subjectType + ":" + member + " used=" + used + " held=" + held + " limit=" + limit + " " + verdict;
    }
}
