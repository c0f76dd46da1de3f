package dev.usageledger.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The suite's figures: ingest rates (every run, median and spread), latencies, goals met or
 * missed, and what was skipped and why. Written as {@code <timestamp>.json} and a Markdown table
 * of the same numbers.
 */
final class SuiteReport {
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** The runs of one ingest job in records per second. */
    record Rate(String job, String note, double[] runs) {
        double median() {
            double[] sorted = runs.clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }

        double min() {
            return Arrays.stream(runs).min().orElse(0);
        }

        double max() {
            return Arrays.stream(runs).max().orElse(0);
        }
    }

    /** One latency measurement. */
    record Latency(String path, int ratePerSecond, long history, Latencies.Summary summary) {
    }

    /** A goal of the suite and whether this run met it. */
    record Goal(String goal, String target, String actual, boolean met) {
    }

    private final Instant started = Instant.now();
    private final Map<String, Object> workload = new LinkedHashMap<>();
    private final List<Rate> ingest = new ArrayList<>();
    private final List<Latency> latencies = new ArrayList<>();
    private final List<Goal> goals = new ArrayList<>();
    private final Map<String, String> skipped = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    Map<String, Object> workload() {
        return workload;
    }

    Rate rate(String job, String note, double[] runs) {
        Rate rate = new Rate(job, note, runs);
        ingest.add(rate);
        return rate;
    }

    void latency(String path, int ratePerSecond, long history, Latencies.Summary summary) {
        latencies.add(new Latency(path, ratePerSecond, history, summary));
    }

    void goal(String goal, String target, String actual, boolean met) {
        goals.add(new Goal(goal, target, actual, met));
    }

    void skipped(String what, String why) {
        skipped.put(what, why);
    }

    void note(String note) {
        notes.add(note);
    }

    /** Writes the JSON and Markdown files into {@code directory} and answers the JSON file. */
    Path write(Path directory) throws IOException {
        Files.createDirectories(directory);
        String name = FILE_TIME.format(started);
        Path json = directory.resolve(name + ".json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), asMap());
        Files.writeString(directory.resolve(name + ".md"), markdown());
        return json;
    }

    private Map<String, Object> asMap() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("started_at", started.toString());
        root.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(), "java", System.getProperty("java.version"),
                "os", System.getProperty("os.name") + " " + System.getProperty("os.version"),
                "max_heap_mib", Runtime.getRuntime().maxMemory() >> 20));
        root.put("workload", workload);
        root.put("ingest", ingest.stream().map(r -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("job", r.job());
            row.put("note", r.note());
            row.put("runs_per_second", r.runs());
            row.put("median_per_second", r.median());
            row.put("min_per_second", r.min());
            row.put("max_per_second", r.max());
            return row;
        }).toList());
        root.put("latency", latencies.stream().map(l -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("path", l.path());
            row.put("rate_per_second", l.ratePerSecond());
            row.put("history_events", l.history());
            row.put("samples", l.summary().samples());
            row.put("p50_us", l.summary().p50() / 1_000.0);
            row.put("p99_us", l.summary().p99() / 1_000.0);
            row.put("p999_us", l.summary().p999() / 1_000.0);
            row.put("max_us", l.summary().max() / 1_000.0);
            return row;
        }).toList());
        root.put("goals", goals);
        root.put("skipped", skipped);
        root.put("notes", notes);
        return root;
    }

    private String markdown() {
        StringBuilder md = new StringBuilder("# Ledger benchmark suite, " + started + "\n\n");
        md.append(String.format("Machine: %d cores, Java %s, %s.%n%nWorkload: ", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), System.getProperty("os.name")));
        md.append(String.join(", ", workload.entrySet().stream().map(e -> e.getKey().replace('_', ' ') + " " + e.getValue()).toList()))
                .append(".\n\n");
        md.append("## Ingest (records/s; median of the runs, min..max)\n\n| job | median | min..max | runs | note |\n|---|---|---|---|---|\n");
        for (Rate r : ingest) {
            md.append(String.format("| %s | %,.0f | %,.0f..%,.0f | %d | %s |%n", r.job(), r.median(), r.min(), r.max(), r.runs().length, r.note()));
        }
        md.append("\n## Latency\n\n| path | rate/s | history (events) | samples | p50 | p99 | p99.9 | max |\n|---|---|---|---|---|---|---|---|\n");
        for (Latency l : latencies) {
            Latencies.Summary s = l.summary();
            md.append(String.format("| %s | %,d | %,d | %,d | %s | %s | %s | %s |%n", l.path(), l.ratePerSecond(), l.history(), s.samples(),
                    Latencies.Summary.micros(s.p50()), Latencies.Summary.micros(s.p99()), Latencies.Summary.micros(s.p999()),
                    Latencies.Summary.micros(s.max())));
        }
        md.append("\n## Goals\n\n| goal | target | this run | met |\n|---|---|---|---|\n");
        for (Goal g : goals) {
            md.append(String.format("| %s | %s | %s | %s |%n", g.goal(), g.target(), g.actual(), g.met() ? "yes" : "**MISSED**"));
        }
        if (!skipped.isEmpty()) {
            md.append("\n## Skipped\n\n");
            skipped.forEach((what, why) -> md.append("- **").append(what).append("**: ").append(why).append('\n'));
        }
        if (!notes.isEmpty()) {
            md.append("\n## Notes\n\n");
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        return md.toString();
    }
}
