package dev.usageledger.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(LedgerClusterExtension.class)
class LedgerProducerIT {
    @TempDir
    Path spool;

    @Test
    void shouldDeliverEveryEventExactlyOnceFromEightThreads(LedgerCluster cluster) throws Exception {
        String topic = LedgerCluster.uniqueName("usage-threads");
        ProducerTestSupport.createTopic(cluster.bootstrapServers(), topic, 4);
        int perThread = 500;
        List<PublishReceipt> receipts = new ArrayList<>();

        try (LedgerProducer ledger = LedgerProducer.builder()
                .config(ProducerTestSupport.config(cluster.bootstrapServers(), cluster.registryUrl(), topic, spool)).build()) {
            ExecutorService threads = Executors.newFixedThreadPool(8);
            List<Future<List<PublishReceipt>>> work = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                String tenant = "tenant-" + t;
                work.add(threads.submit(() -> {
                    List<CompletableFuture<PublishReceipt>> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        mine.add(ledger.publish(UsageEvents.newEvent(tenant, Instant.now()).setInputTokens(i).build()));
                    }
                    return mine.stream().map(CompletableFuture::join).toList();
                }));
            }
            for (Future<List<PublishReceipt>> f : work) {
                receipts.addAll(f.get());
            }
            threads.shutdown();
            assertThat(ledger.metrics().published()).isEqualTo(8L * perThread);
            assertThat(ledger.metrics().spooled()).isZero();
        }

        List<UsageEvent> arrived = ProducerTestSupport.readAll(cluster.bootstrapServers(), cluster.registryUrl(), topic, 8 * perThread);
        assertThat(arrived).hasSize(8 * perThread);
        assertThat(arrived.stream().map(UsageEvent::getEventId).collect(Collectors.toSet()))
                .isEqualTo(receipts.stream().map(PublishReceipt::eventId).collect(Collectors.toSet()))
                .hasSize(8 * perThread);
        assertThat(receipts).allSatisfy(r -> {
            assertThat(r.spooled()).isFalse();
            assertThat(r.offset()).isNotNegative();
        });
    }

    @Test
    void shouldRefuseAnInvalidEventNamingTheFieldAndSendNothing(LedgerCluster cluster) {
        String topic = LedgerCluster.uniqueName("usage-invalid");
        ProducerTestSupport.createTopic(cluster.bootstrapServers(), topic, 1);
        try (LedgerProducer ledger = LedgerProducer.builder()
                .config(ProducerTestSupport.config(cluster.bootstrapServers(), cluster.registryUrl(), topic, spool)).build()) {
            Instant now = Instant.now();

            assertThatThrownBy(() -> ledger.publish(UsageEvents.newEvent("", now).build()))
                    .isInstanceOf(InvalidUsageEventException.class).hasMessageContaining("tenant_id");
            assertThatThrownBy(() -> ledger.publish(UsageEvents.newEvent("acme", now).setOutputTokens(-3).build()))
                    .isInstanceOf(InvalidUsageEventException.class).hasMessageContaining("output_tokens must be >= 0, got -3");
            assertThatThrownBy(() -> ledger.publish(UsageEvents.newEvent("acme", now.plus(Duration.ofDays(1))).build()))
                    .isInstanceOf(InvalidUsageEventException.class).hasMessageContaining("occurred_at");
            ledger.publish(UsageEvents.newEvent("acme", now).setEventId("the-valid-one").build()).join();
        }

        assertThat(ProducerTestSupport.readAll(cluster.bootstrapServers(), cluster.registryUrl(), topic, 1))
                .extracting(UsageEvent::getEventId).containsExactly("the-valid-one");
    }

    @Test
    void shouldPublishOneEventPerStreamedCallWithTheTokensProduced(LedgerCluster cluster) {
        String topic = LedgerCluster.uniqueName("usage-streams");
        ProducerTestSupport.createTopic(cluster.bootstrapServers(), topic, 2);
        MutableClock clock = new MutableClock(Instant.now());
        Map<String, Object> config = ProducerTestSupport.config(cluster.bootstrapServers(), cluster.registryUrl(), topic, spool);
        config.put(LedgerProducerConfig.STREAM_IDLE_TIMEOUT_MS_CONFIG, 30_000L);

        try (LedgerProducer ledger = LedgerProducer.builder().config(config).clock(clock).build()) {
            // Given four streamed calls: deltas, cumulative totals, a failure and one the caller forgot
            StreamingCall completed = ledger.startStream(template("completed"));
            completed.addDelta(1000, 10, 200, 0, clock.instant()).addDelta(0, 15, 0, 5, clock.instant());
            StreamingCall cancelled = ledger.startStream(template("cancelled"));
            cancelled.reportCumulative(800, 40, 0, 0, clock.instant()).reportCumulative(800, 90, 0, 0, clock.instant())
                    .reportCumulative(800, 70, 0, 0, clock.instant());
            StreamingCall failed = ledger.startStream(template("failed"));
            failed.addDelta(500, 3, 0, 0, clock.instant());
            StreamingCall abandoned = ledger.startStream(template("abandoned"));
            abandoned.addDelta(300, 7, 0, 0, clock.instant());

            // When three end and the clock passes the idle timeout for the fourth
            clock.advance(Duration.ofSeconds(2));
            completed.complete(clock.instant()).join();
            completed.complete(clock.instant()).join();
            cancelled.cancel(clock.instant()).join();
            failed.fail(clock.instant()).join();
            failed.complete(clock.instant()).join();
            ledger.sweepIdleStreams();
            assertThat(abandoned.isEnded()).as("not idle for 30 s yet").isFalse();
            clock.advance(Duration.ofSeconds(31));
            ledger.sweepIdleStreams();
            ledger.sweepIdleStreams();
            assertThat(abandoned.isEnded()).isTrue();
        }

        // Then exactly one event per call, with the tokens produced and its own status
        Map<String, UsageEvent> byFeature = ProducerTestSupport.readAll(cluster.bootstrapServers(), cluster.registryUrl(), topic, 4)
                .stream().collect(Collectors.toMap(UsageEvent::getFeature, Function.identity()));
        assertThat(byFeature).hasSize(4);
        assertEvent(byFeature.get("completed"), UsageStatus.ok, 1000, 25, 200, 5);
        assertThat(byFeature.get("completed").getLatencyMs()).isEqualTo(2000L);
        assertEvent(byFeature.get("cancelled"), UsageStatus.cancelled, 800, 90, 0, 0);
        assertEvent(byFeature.get("failed"), UsageStatus.error, 500, 3, 0, 0);
        assertEvent(byFeature.get("abandoned"), UsageStatus.cancelled, 300, 7, 0, 0);
        assertThat(Set.copyOf(byFeature.values().stream().map(UsageEvent::getEventId).toList())).hasSize(4);
    }

    private static UsageEvent template(String feature) {
        return UsageEvents.newEvent("acme", Instant.now()).setFeature(feature).setModel("gpt-4.1-mini").build();
    }

    private static void assertEvent(UsageEvent event, UsageStatus status, long input, long output, long cached, long reasoning) {
        assertThat(event.getStatus()).isEqualTo(status);
        assertThat(event.getInputTokens()).isEqualTo(input);
        assertThat(event.getOutputTokens()).isEqualTo(output);
        assertThat(event.getCachedInputTokens()).isEqualTo(cached);
        assertThat(event.getReasoningTokens()).isEqualTo(reasoning);
    }
}
