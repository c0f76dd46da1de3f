package dev.usageledger.streams.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Which packages of the topology module may use what (STYLE 2 and 13). */
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
}
