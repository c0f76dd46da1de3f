package dev.usageledger.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.infra.embedded.registry.EmbeddedSchemaRegistry;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.TestKafka;
import dev.usageledger.infra.embedded.testkit.TestKafkas;
import dev.usageledger.schemas.avro.UsageEvent;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests that stop the broker, so they run on a cluster of their own. */
class LedgerProducerOutageIT {
    private static TestKafka kafka;
    private static EmbeddedSchemaRegistry registry;

    @TempDir
    Path spool;

    @BeforeAll
    static void startCluster() {
        kafka = TestKafkas.inJvm(1);
        registry = EmbeddedSchemaRegistry.start(kafka.bootstrapServers());
    }

    @AfterAll
    static void stopCluster() {
        registry.close();
        kafka.close();
    }

    @Test
    void shouldDeliverEveryEventWhenTheBrokerStopsMidStreamAndComesBack() {
        String topic = "usage-outage";
        ProducerTestSupport.createTopic(kafka.bootstrapServers(), topic, 2);
        Map<String, Object> config = ProducerTestSupport.config(kafka.bootstrapServers(), registry.url(), topic, spool);
        config.put(LedgerProducerConfig.MAX_BLOCK_MS_CONFIG, 200L);
        config.put(LedgerProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 3_000);
        List<CompletableFuture<PublishReceipt>> receipts = new ArrayList<>();
        Set<String> published = new HashSet<>();

        try (LedgerProducer ledger = LedgerProducer.builder().config(config).build()) {
            // Given a client publishing while the broker goes away and comes back
            publish(ledger, 0, 300, receipts, published);
            kafka.stopBroker(0);
            try {
                publish(ledger, 300, 600, receipts, published);
                awaitSpooled(ledger);
            } finally {
                kafka.startBroker(0);
            }
            publish(ledger, 600, 900, receipts, published);

            // When every receipt completes and the spool drains
            receipts.forEach(CompletableFuture::join);
            assertThat(ledger.metrics().spooled()).as("the outage sent events to the spool").isPositive();
            awaitEmptySpool(ledger);
            assertThat(ledger.metrics().resent()).isEqualTo(ledger.metrics().spooled());
        }

        // Then every event arrived, and any repeat carries the same event_id
        List<UsageEvent> arrived = ProducerTestSupport.readAll(kafka.bootstrapServers(), registry.url(), topic, 900);
        assertThat(arrived.stream().map(UsageEvent::getEventId).collect(Collectors.toSet())).isEqualTo(published);
    }

    @Test
    void shouldLeaveEventsInTheSpoolAtCloseAndSendThemFromTheNextClient() {
        String topic = "usage-handover";
        ProducerTestSupport.createTopic(kafka.bootstrapServers(), topic, 1);
        Map<String, Object> config = ProducerTestSupport.config(kafka.bootstrapServers(), registry.url(), topic, spool);
        config.put(LedgerProducerConfig.MAX_BLOCK_MS_CONFIG, 200L);
        config.put(LedgerProducerConfig.CLOSE_TIMEOUT_MS_CONFIG, 1_000L);
        Set<String> published = new HashSet<>();
        List<CompletableFuture<PublishReceipt>> receipts = new ArrayList<>();

        // Given a client that registered its schema, then lost the broker and closed
        boolean brokerDown = false;
        try {
            try (LedgerProducer first = LedgerProducer.builder().config(config).build()) {
                publish(first, 0, 1, receipts, published);
                receipts.getFirst().join();
                kafka.stopBroker(0);
                brokerDown = true;
                publish(first, 1, 200, receipts, published);
            }
            assertThat(receipts.subList(1, receipts.size())).allSatisfy(r -> assertThat(r.join().spooled()).isTrue());
        } finally {
            if (brokerDown) {
                kafka.startBroker(0); // When the broker is back and a new client starts on the same spool
            }
        }
        try (LedgerProducer second = LedgerProducer.builder().config(config).build()) {
            assertThat(second.metrics().spoolDepth()).isEqualTo(199);
            awaitEmptySpool(second);
            assertThat(second.metrics().resent()).isEqualTo(199);
        }

        // Then everything the first client accepted arrived
        List<UsageEvent> arrived = ProducerTestSupport.readAll(kafka.bootstrapServers(), registry.url(), topic, 200);
        assertThat(arrived.stream().map(UsageEvent::getEventId).collect(Collectors.toSet())).isEqualTo(published);
    }

    @Test
    void shouldFailWithSpoolFullAndKeepEveryAcceptedEvent() throws IOException {
        String topic = "usage-full";
        ProducerTestSupport.createTopic(kafka.bootstrapServers(), topic, 1);
        Map<String, Object> unreachable = ProducerTestSupport.config("127.0.0.1:" + closedPort(), registry.url(), topic, spool);
        unreachable.put(LedgerProducerConfig.MAX_BLOCK_MS_CONFIG, 50L);
        unreachable.put(LedgerProducerConfig.SPOOL_MAX_BYTES_CONFIG, 8_192L);
        unreachable.put(LedgerProducerConfig.SPOOL_FULL_WAIT_MS_CONFIG, 20L);
        unreachable.put(LedgerProducerConfig.CLOSE_TIMEOUT_MS_CONFIG, 200L);
        Set<String> accepted = new HashSet<>();
        int refused = 0;

        // Given a broker nobody can reach and a small spool
        try (LedgerProducer ledger = LedgerProducer.builder().config(unreachable).build()) {
            for (int i = 0; i < 200; i++) {
                UsageEvent event = UsageEvents.newEvent("acme", Instant.now()).setFeature("f" + i).build();
                try {
                    ledger.publish(event).join();
                    accepted.add(event.getEventId());
                } catch (CompletionException e) {
                    // Then the refusals are typed and say why
                    assertThat(e.getCause()).isInstanceOf(SpoolFullException.class).hasMessageContaining("ledger.spool.max.bytes");
                    refused++;
                }
            }
            assertThat(ledger.metrics().spoolDepth()).isEqualTo(accepted.size());
            assertThat(ledger.metrics().failed()).isEqualTo(refused);
        }
        assertThat(refused).isPositive();
        assertThat(accepted).isNotEmpty();

        // And every accepted event is delivered once a client can reach the broker
        try (LedgerProducer drainer = LedgerProducer.builder()
                .config(ProducerTestSupport.config(kafka.bootstrapServers(), registry.url(), topic, spool)).build()) {
            awaitEmptySpool(drainer);
        }
        List<UsageEvent> arrived = ProducerTestSupport.readAll(kafka.bootstrapServers(), registry.url(), topic, accepted.size());
        assertThat(arrived.stream().map(UsageEvent::getEventId).collect(Collectors.toSet())).isEqualTo(accepted);
    }

    private static void publish(LedgerProducer ledger, int from, int to, List<CompletableFuture<PublishReceipt>> receipts,
                                Set<String> published) {
        for (int i = from; i < to; i++) {
            UsageEvent event = UsageEvents.newEvent("tenant-" + (i % 5), Instant.now()).setInputTokens(i).build();
            receipts.add(ledger.publish(event));
            published.add(event.getEventId());
        }
    }

    private static void awaitSpooled(LedgerProducer ledger) {
        awaitCondition(() -> ledger.metrics().spooled() > 0, "events to reach the spool while the broker is down");
    }

    private static void awaitEmptySpool(LedgerProducer ledger) {
        awaitCondition(() -> ledger.metrics().spoolDepth() == 0, "the spool to drain");
    }

    private static void awaitCondition(java.util.function.BooleanSupplier condition, String what) {
        Await.until(condition, Duration.ofSeconds(60), what);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
