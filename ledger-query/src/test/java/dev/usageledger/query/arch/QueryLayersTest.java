package dev.usageledger.query.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The query service reads the topology's state through the state layer alone (STYLE 12): the keys
 * and reads of each store live in {@code dev.usageledger.streams.state}, so a key format is written
 * in one place and the processors can change without the service noticing.
 */
class QueryLayersTest {
    private static final JavaClasses QUERY = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.usageledger.query");

    @Test
    void shouldReadTheStoresWithoutReachingIntoTheProcessors() {
        noClasses().should().dependOnClassesThat().resideInAPackage("dev.usageledger.streams.steps..")
                .because("the processors' package is the topology's inside; keys and reads are the state layer's "
                        + "(dev.usageledger.streams.state)")
                .check(QUERY);
    }
}
