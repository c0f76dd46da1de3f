package dev.usageledger.streams.store;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.kstream.Window;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.junit.jupiter.api.Test;

/**
 * The fast half of the guard on the Kafka Streams internals behind {@link StreamsInternals}: the
 * version on the classpath is the one the combining stores were verified against, and the
 * internal types and methods they use are still there with the same shape. The behaviour is
 * checked on a broker by {@code CombinedWritesTransactionIT}.
 */
class StreamsInternalsTest {
    private static final String WHAT_TO_DO = "re-run CombinedWritesTransactionIT and re-read, in the new Kafka Streams sources, "
            + "TaskExecutor.commitTasksAndMaybeUpdateCommittableOffsets -> StreamTask.prepareCommit -> StreamTask.flush -> "
            + "ProcessorStateManager.flushCache -> CachedStateStore.flushCache, which must still run before "
            + "TaskExecutor.commitOffsetsOrTransaction -> StreamsProducer.commitTransaction; then InternalProcessorContext."
            + "setRecordContext and StoreBuilderWrapper.retentionPeriod; then update StreamsInternals.VERIFIED_KAFKA_STREAMS_VERSION";

    @Test
    void shouldRunOnTheKafkaStreamsVersionTheCombiningStoresWereVerifiedAgainst() throws IOException {
        String streams = streamsVersion();
        String clients = AppInfoParser.getVersion();

        assertThat(streams).as("Kafka Streams is %s, the combining stores were verified against %s: %s", streams,
                StreamsInternals.VERIFIED_KAFKA_STREAMS_VERSION, WHAT_TO_DO).isEqualTo(StreamsInternals.VERIFIED_KAFKA_STREAMS_VERSION);
        assertThat(clients).as("Kafka clients is %s, the combining stores were verified against %s: %s", clients,
                StreamsInternals.VERIFIED_KAFKA_STREAMS_VERSION, WHAT_TO_DO).isEqualTo(StreamsInternals.VERIFIED_KAFKA_STREAMS_VERSION);
    }

    @Test
    void shouldFindTheCommitPathTheCombiningStoresWriteIn() throws Exception {
        Class<?> cached = internal("org.apache.kafka.streams.state.internals.CachedStateStore");
        Class<?> wrapped = internal("org.apache.kafka.streams.state.internals.WrappedStateStore");
        assertThat(cached.isAssignableFrom(wrapped)).as("WrappedStateStore no longer implements CachedStateStore, so "
                + "ProcessorStateManager.flushCache would not call the combining stores before a commit: " + WHAT_TO_DO).isTrue();
        overridable(cached, "flushCache");
        overridable(cached, "clearCache");
        overridable(wrapped, "flushCache");
        overridable(wrapped, "clearCache");
        method(wrapped, "wrapped");
        constructor(wrapped, StateStore.class);

        Class<?> stateManager = internal("org.apache.kafka.streams.processor.internals.ProcessorStateManager");
        Class<?> task = internal("org.apache.kafka.streams.processor.internals.StreamTask");
        Class<?> executor = internal("org.apache.kafka.streams.processor.internals.TaskExecutor");
        method(stateManager, "flushCache");
        method(task, "flush");
        assertThat(method(task, "prepareCommit", boolean.class).getReturnType()).isEqualTo(Map.class);
        method(executor, "commitOffsetsOrTransaction", Map.class);
    }

    @Test
    void shouldFindTheRecordContextsTheCombiningStoresWriteUnder() throws Exception {
        Class<?> context = internal("org.apache.kafka.streams.processor.internals.InternalProcessorContext");
        Class<?> recordContext = internal("org.apache.kafka.streams.processor.internals.ProcessorRecordContext");
        assertThat(StateStoreContext.class.isAssignableFrom(context)).as("InternalProcessorContext is no longer a StateStoreContext: "
                + "the stores would not get it at init and would write below under the wrong record: " + WHAT_TO_DO).isTrue();
        assertThat(RecordContext.class.isAssignableFrom(recordContext)).as("ProcessorRecordContext is no longer a RecordContext: "
                + WHAT_TO_DO).isTrue();
        assertThat(method(context, "recordContext").getReturnType()).isEqualTo(recordContext);
        method(context, "setRecordContext", recordContext);
    }

    @Test
    void shouldFindTheWindowAndBuilderTypesTheCombiningStoresUse() throws Exception {
        Class<?> timeWindow = internal("org.apache.kafka.streams.kstream.internals.TimeWindow");
        assertThat(Window.class.isAssignableFrom(timeWindow)).isTrue();
        constructor(timeWindow, long.class, long.class);
        constructor(internal("org.apache.kafka.streams.state.internals.WindowStoreBuilder"), WindowBytesStoreSupplier.class, Serde.class,
                Serde.class, Time.class);
        constructor(internal("org.apache.kafka.streams.state.internals.KeyValueStoreBuilder"), KeyValueBytesStoreSupplier.class,
                Serde.class, Serde.class, Time.class);
        Class<?> wrapper = internal("org.apache.kafka.streams.processor.internals.StoreBuilderWrapper");
        method(wrapper, "retentionPeriod");
        method(wrapper, "isWindowStore");
    }

    @Test
    void shouldKeepKafkaStreamsInternalsBehindStreamsInternals() {
        JavaClasses streams = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.usageledger.streams");

        noClasses().that().haveNameNotMatching(Pattern.quote(StreamsInternals.class.getName()) + "(\\$.*)?")
                .should().dependOnClassesThat().resideInAPackage("org.apache.kafka.streams..internals..")
                .because("STYLE 14: one class uses Kafka Streams internals, with this guard; move the use into StreamsInternals")
                .check(streams);
    }

    private static String streamsVersion() throws IOException {
        try (InputStream in = KafkaStreams.class.getResourceAsStream("/kafka/kafka-streams-version.properties")) {
            assertThat(in).as("kafka-streams-version.properties in the kafka-streams jar").isNotNull();
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        }
    }

    private static Class<?> internal(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException gone) {
            throw new AssertionError("Kafka Streams no longer has " + name + ": " + WHAT_TO_DO, gone);
        }
    }

    private static Method method(Class<?> type, String name, Class<?>... parameters) {
        for (Class<?> at = type; at != null; at = at.getSuperclass()) {
            try {
                return at.getDeclaredMethod(name, parameters);
            } catch (NoSuchMethodException notHere) {
                // look further up
            }
        }
        try {
            return type.getMethod(name, parameters);
        } catch (NoSuchMethodException gone) {
            throw new AssertionError("Kafka Streams' " + type.getName() + " no longer has " + name + List.of(parameters) + ": "
                    + WHAT_TO_DO, gone);
        }
    }

    private static void overridable(Class<?> type, String name) {
        Method method = method(type, name);
        assertThat(Modifier.isFinal(method.getModifiers()) || Modifier.isPrivate(method.getModifiers())
                || Modifier.isStatic(method.getModifiers()) || method.getReturnType() != void.class)
                .as("%s.%s() is no longer an overridable void method: %s", type.getName(), name, WHAT_TO_DO).isFalse();
    }

    private static void constructor(Class<?> type, Class<?>... parameters) {
        try {
            Constructor<?> constructor = type.getDeclaredConstructor(parameters);
            assertThat(Modifier.isPublic(constructor.getModifiers())).as("%s%s is no longer public: %s", type.getName(),
                    List.of(parameters), WHAT_TO_DO).isTrue();
        } catch (NoSuchMethodException gone) {
            throw new AssertionError("Kafka Streams' " + type.getName() + " no longer has a constructor " + List.of(parameters) + ": "
                    + WHAT_TO_DO, gone);
        }
    }
}
