package dev.usageledger.infra.embedded.testkit;

import dev.usageledger.infra.embedded.registry.EmbeddedSchemaRegistry;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects the JVM-wide {@link LedgerCluster} into test constructors and methods, starting it on
 * first use and stopping it when the test run ends.
 *
 * <pre>{@code
 * @ExtendWith(LedgerClusterExtension.class)
 * class SomethingIT {
 *     @Test void shouldDoIt(LedgerCluster cluster) { ... }
 * }
 * }</pre>
 */
public final class LedgerClusterExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LedgerCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(LedgerCluster.class, key -> start(), LedgerCluster.class);
    }

    private static LedgerCluster start() {
        long started = System.nanoTime();
        TestKafka kafka = TestKafkas.start();
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(kafka.bootstrapServers());
        TestKafkas.announce("schema registry for tests: embedded at " + registry.url() + "; cluster up in "
                + (System.nanoTime() - started) / 1_000_000 + " ms");
        return new LedgerCluster(kafka, registry);
    }
}
