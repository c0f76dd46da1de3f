package dev.usageledger.streams.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.usageledger.streams.LedgerTopology;
import dev.usageledger.streams.ReportingTopology;
import dev.usageledger.streams.steps.Steps;
import org.junit.jupiter.api.Test;

/** Which packages of the topology module may use what (STYLE 2, 12 and 13). */
class StreamsLayersTest {
    private static final JavaClasses STREAMS = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.usageledger.streams");

    @Test
    void shouldKeepRulesAndDecisionsFreeOfKafka() {
        noClasses().that().resideInAnyPackage("dev.usageledger.streams.rules..", "dev.usageledger.streams.decision..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "org.rocksdb..")
                .because("period arithmetic, rating, precedence and decisions are plain functions, tested without Kafka; "
                        + "the processors and the query service move data between the stores and them")
                .check(STREAMS);
    }

    @Test
    void shouldLetOnlyTheTopologyWireTheSteps() {
        noClasses().that().resideOutsideOfPackage("dev.usageledger.streams.steps..")
                .and().doNotHaveFullyQualifiedName(LedgerTopology.class.getName())
                .and().doNotHaveFullyQualifiedName(ReportingTopology.class.getName())
                .should().dependOnClassesThat().resideInAPackage("dev.usageledger.streams.steps..")
                .because("the processors are the topologies' inside: LedgerTopology and ReportingTopology wire them, everything else reads and "
                        + "writes the stores through the state layer (dev.usageledger.streams.state)")
                .check(STREAMS);
    }

    @Test
    void shouldKeepTheProcessorsPackagePrivate() {
        classes().that().resideInAPackage("dev.usageledger.streams.steps..")
                .and().doNotHaveFullyQualifiedName(Steps.class.getName())
                .should().notBePublic()
                .because("Steps, which supplies the processors to LedgerTopology, is the package's one public type")
                .check(STREAMS);
    }
}
