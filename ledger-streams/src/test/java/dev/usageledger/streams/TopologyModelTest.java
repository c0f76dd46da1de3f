package dev.usageledger.streams;

import dev.usageledger.streams.TopologyModelInputs.Input;
import dev.usageledger.streams.TopologyModelSteps.Case;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * The model-based test of the topology: seeded random cases of usage events (duplicates with
 * other numbers, invalid, late and future events, unpriced models, explicit and huge costs),
 * price and policy changes (huge limits, odd thresholds, zones, rolling windows, deletions),
 * holds placed, settled, voided and expired, and wall-clock advances, driven through the
 * production topology in a TopologyTestDriver and compared after every step with an independent
 * reference model ({@link TopologyModelReference}): every totals bucket, policy counter, rolling
 * bucket, held amount, hold, dedupe mark and breach, and every record the step put on the
 * rejected, breaches, holds and decisions topics. A failure prints jqwik's seed and the shrunk
 * case with the differences after its first failing step.
 *
 * <p>{@value #DEFAULT_TRIES} cases per run by default (about 30 s on 2 cores);
 * {@code -Dledger.model.tries=5000} runs more, {@code -Dledger.model.seed=...} replays a seed, and
 * {@code -Dledger.model.exclude=whale,huge-limits,hold-reasoning,holds} leaves parts of the
 * generation out (to see what a run finds without them).
 *
 * <p>Left out of the model: week, year, billing-month and interval periods (day and month in UTC,
 * Berlin, New York and Kolkata, and rolling windows, are generated); the ageing out of breaches
 * and finished holds (a case's clock stays within six days of its start), of counters (only those
 * no event can reach any more may be gone, and they are not compared) and of minute buckets (the
 * last day's are compared); reason codes and decision times (the rejected
 * record is matched by its bytes, a decision by its verdicts, used, held and limit per budget);
 * hold requests whose amounts overflow; checks made through the query service.
 */
class TopologyModelTest {
    static final int DEFAULT_TRIES = 150;
    private static final int MAX_STEPS = 60;
    private static final TopologyModelStats STATS = new TopologyModelStats();

    @Property(tries = DEFAULT_TRIES)
    @AddLifecycleHook(TriesAndTime.class)
    void shouldAgreeWithTheReferenceModelAfterEveryStep(@ForAll("cases") Case testCase) {
        Path state = tempDir();
        TopologyModelInputs inputs = new TopologyModelInputs(testCase.start());
        TopologyModelReference model = new TopologyModelReference(inputs.now());
        try (TopologyModelDriver topology = new TopologyModelDriver(state, inputs.now())) {
            for (Input input : inputs.baseline()) {
                model.apply(input);
                topology.apply(input);
            }
            for (int i = 0; i < testCase.steps().size(); i++) {
                Input input = inputs.next(testCase.steps().get(i));
                model.apply(input);
                topology.apply(input);
                TopologyModelSnapshot outputs = model.takeOutputs();
                TopologyModelSnapshot stores = model.stores();
                compare(i, input, outputs, topology.takeOutputs(), stores, topology.stores(model.counterHorizon()));
                STATS.step(outputs, stores);
            }
            STATS.caseEnd(model.stores());
        } finally {
            delete(state);
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        return TopologyModelSteps.cases(MAX_STEPS, TopologyModelSteps.Part.parse(System.getProperty("ledger.model.exclude")));
    }

    private static void compare(int step, Input input, TopologyModelSnapshot modelOutputs, TopologyModelSnapshot topologyOutputs,
                                TopologyModelSnapshot modelStores, TopologyModelSnapshot topologyStores) {
        List<String> differences = new ArrayList<>(topologyOutputs.differencesFrom(modelOutputs, 6));
        differences.addAll(topologyStores.differencesFrom(modelStores, 10));
        if (!differences.isEmpty()) {
            throw new AssertionError("after step #" + step + " (" + describe(input) + ") the topology differs from the model:\n    "
                    + String.join("\n    ", differences));
        }
    }

    private static String describe(Input input) {
        return input.toString().replace('\u0000', '|');
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("ledger-model-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Takes the tries and seed from system properties, and prints how many cases ran and how long they took. */
    public static final class TriesAndTime implements AroundPropertyHook {
        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            Integer tries = Integer.getInteger("ledger.model.tries");
            if (tries != null) {
                context.attributes().setTries(tries);
            }
            String seed = System.getProperty("ledger.model.seed");
            if (seed != null && !seed.isBlank()) {
                context.attributes().setSeed(seed);
            }
            long started = System.nanoTime();
            STATS.reset();
            PropertyExecutionResult result = property.execute();
            System.out.printf("TopologyModelTest: %d cases (%d checked) in %.1f s, seed %s, %s%n    compared: %s%n", result.countTries(),
                    result.countChecks(), (System.nanoTime() - started) / 1e9, result.seed().orElse("?"), result.status(), STATS);
            return result;
        }
    }
}
