package dev.usageledger.infra.embedded.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.usageledger.infra.embedded.registry.RegistryState.Version;
import dev.usageledger.infra.embedded.topics.TopicAdmin;
import dev.usageledger.infra.embedded.topics.TopicSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's durable store: a single-partition compacted topic whose records use Confluent's
 * {@code _schemas} layout (JSON keys with a {@code keytype}, JSON values), replayed into
 * {@link RegistryState} by one reader thread. A write returns only after the reader has applied
 * it, so an answer never refers to state that the log does not hold.
 */
final class SchemaLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaLog.class);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

    private final ObjectMapper json = new ObjectMapper();
    private final TopicPartition partition;
    private final RegistryState state;
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final Thread reader;
    private final Object applied = new Object();
    private long nextOffsetToApply;
    private volatile boolean running = true;
    private volatile RuntimeException readerFailure;

    SchemaLog(String bootstrapServers, String topic, RegistryState state) {
        this.partition = new TopicPartition(topic, 0);
        this.state = state;
        createTopic(bootstrapServers, topic);
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.CLIENT_ID_CONFIG, "schema-registry-" + topic + "-writer"),
                new StringSerializer(), new StringSerializer());
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.CLIENT_ID_CONFIG, "schema-registry-" + topic + "-reader"),
                new StringDeserializer(), new StringDeserializer());
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
        this.reader = Thread.ofPlatform().name("schema-registry-log-reader").daemon().unstarted(this::readLoop);
        reader.start();
        awaitApplied(end, Duration.ofSeconds(60));
    }

    void putVersion(Version version) {
        ObjectNode value = json.createObjectNode()
                .put("subject", version.subject())
                .put("version", version.version())
                .put("id", version.id())
                .put("schema", version.schema())
                .put("deleted", version.deleted());
        write(schemaKey(version.subject(), version.version()), value.toString());
    }

    void removeVersion(String subject, int version) {
        write(schemaKey(subject, version), null);
    }

    void putConfig(String subject, Compatibility level) {
        ObjectNode key = json.createObjectNode().put("keytype", "CONFIG");
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        key.put("magic", 0);
        String value = level == null ? null : json.createObjectNode().put("compatibilityLevel", level.name()).toString();
        write(key.toString(), value);
    }

    private String schemaKey(String subject, int version) {
        return json.createObjectNode().put("keytype", "SCHEMA").put("subject", subject).put("version", version)
                .put("magic", 1).toString();
    }

    private void write(String key, String value) {
        long offset;
        try {
            offset = producer.send(new ProducerRecord<>(partition.topic(), 0, key, value))
                    .get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).offset();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryError.storeError("interrupted while writing to " + partition.topic());
        } catch (ExecutionException | TimeoutException e) {
            throw RegistryError.storeTimeout("could not write to the registry's topic " + partition.topic()
                    + " within " + WRITE_TIMEOUT.toSeconds() + " s: " + e.getMessage());
        }
        awaitApplied(offset + 1, WRITE_TIMEOUT);
    }

    private void awaitApplied(long offset, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (applied) {
            while (nextOffsetToApply < offset) {
                if (readerFailure != null) {
                    throw RegistryError.storeError("the registry's log reader failed: " + readerFailure.getMessage());
                }
                long waitMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (waitMs <= 0) {
                    throw RegistryError.storeTimeout("the registry's topic " + partition.topic() + " was not read up to offset "
                            + offset + " within " + timeout.toSeconds() + " s");
                }
                try {
                    applied.wait(waitMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw RegistryError.storeError("interrupted while reading " + partition.topic());
                }
            }
        }
    }

    private void readLoop() {
        try {
            while (running) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    apply(record.key(), record.value());
                }
                long position = consumer.position(partition);
                synchronized (applied) {
                    nextOffsetToApply = position;
                    applied.notifyAll();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                readerFailure = e;
            }
        } catch (RuntimeException e) {
            LOG.error("schema registry log reader stopped", e);
            readerFailure = e;
        } finally {
            synchronized (applied) {
                applied.notifyAll();
            }
            consumer.close(Duration.ofSeconds(1));
        }
    }

    private void apply(String keyText, String valueText) {
        try {
            JsonNode key = json.readTree(keyText);
            String subject = key.path("subject").isNull() ? null : key.path("subject").asText(null);
            switch (key.path("keytype").asText()) {
                case "SCHEMA" -> {
                    if (valueText == null) {
                        state.removeVersion(subject, key.path("version").asInt());
                    } else {
                        JsonNode value = json.readTree(valueText);
                        state.putVersion(new Version(value.path("subject").asText(), value.path("version").asInt(),
                                value.path("id").asInt(), value.path("schema").asText(), value.path("deleted").asBoolean(false)));
                    }
                }
                case "CONFIG" -> state.putConfig(subject, valueText == null ? null
                        : Compatibility.parse(json.readTree(valueText).path("compatibilityLevel").asText()));
                default -> LOG.debug("ignoring registry record of key type {}", key.path("keytype").asText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable record in the registry topic " + partition.topic() + ": " + keyText, e);
        }
    }

    private static void createTopic(String bootstrapServers, String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            TopicAdmin.ensure(admin, List.of(new TopicSpec(topic, 1, Map.of("cleanup.policy", "compact"))));
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}

