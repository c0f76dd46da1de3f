package dev.usageledger.query.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.usageledger.schemas.avro.Metric;
import dev.usageledger.streams.rules.PolicyRules;
import dev.usageledger.streams.rules.Rating;
import org.junit.jupiter.api.Test;

/**
 * The live paths — the topology that counts usage and the service that answers checks and holds —
 * price a call and measure it against a metric by one rule each, so they cannot drift apart. (The
 * audit keeps its own, deliberately independent copy, outside these packages.)
 */
class OneRuleSetTest {
    private static final JavaClasses LIVE = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.usageledger.streams", "dev.usageledger.query");

    @Test
    void shouldRateCallsOnlyThroughRatingRate() {
        noClasses().that().doNotHaveFullyQualifiedName(Rating.class.getName())
                .should().callMethodWhere(DescribedPredicate.describe("Rating.costMicros",
                        call -> call.getTarget().getOwner().isEquivalentTo(Rating.class) && call.getTarget().getName().equals("costMicros")))
                .because("counted usage, checks and holds rate a call with Rating.rate alone (the price in force, the caller's own "
                        + "cost first); a second call site of the pricing arithmetic is a second rule that can drift")
                .check(LIVE);
    }

    @Test
    void shouldMeasureAMetricOnlyThroughPolicyRulesAmount() {
        // javac compiles a switch over an enum to a call of its ordinal() (in a synthetic nested class)
        noClasses().that().haveNameNotMatching(PolicyRules.class.getName().replace(".", "\\.") + "(\\$.*)?")
                .should().callMethod(Metric.class, "ordinal")
                .because("what a call adds to a metric (tokens = input + output + reasoning) is PolicyRules.amount's rule alone; "
                        + "a switch over Metric elsewhere is a second rule that can drift")
                .check(LIVE);
    }
}
