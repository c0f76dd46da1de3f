package dev.usageledger.producer.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The producer is a library that services embed (STYLE 8): whatever it imports, every service that
 * publishes usage pulls in. It stays on the Kafka client and the schemas.
 */
class ProducerDependenciesTest {
    private static final JavaClasses PRODUCER = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.usageledger.producer");

    @Test
    void shouldNotDependOnKafkaStreamsRocksDbOrAnHttpServer() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka.streams..", "org.rocksdb..", "io.helidon..")
                .because("services embed the producer library; it must not bring Kafka Streams, RocksDB or an HTTP server with it")
                .check(PRODUCER);
    }
}
