package dev.usageledger.cli.dev;

import dev.usageledger.producer.LedgerProducer;
import dev.usageledger.producer.UsageEvents;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Realistic usage for the dev stack, published through the producer library: the sample
 * tenants' users and keys calling the sample models with varied token counts, a few errors, and
 * the cost left to the price book.
 */
final class TrafficGenerator implements AutoCloseable {
    private final LedgerProducer producer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    private TrafficGenerator(LedgerProducer producer, int rate) {
        this.producer = producer;
        this.thread = Thread.ofPlatform().name("ledger-dev-traffic").daemon().start(() -> run(rate));
    }

    static TrafficGenerator start(String bootstrap, String registryUrl, Path spool, int rate) {
        LedgerProducer producer = LedgerProducer.builder().config(Map.of("bootstrap.servers", bootstrap, "schema.registry.url",
                registryUrl, "ledger.spool.dir", spool.toString())).build();
        return new TrafficGenerator(producer, rate);
    }

    private void run(int rate) {
        Random random = new Random();
        long interval = 1_000_000_000L / rate;
        long next = System.nanoTime();
        while (running.get()) {
            producer.publish(event(random));
            next += interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    private static UsageEvent event(Random random) {
        String tenant = Samples.TENANTS.get(random.nextInt(Samples.TENANTS.size()));
        Samples.Price model = Samples.PRICES.get(random.nextInt(Samples.PRICES.size()));
        long input = 200 + random.nextInt(6_000);
        return UsageEvents.newEvent(tenant, Instant.now()).setUserId(tenant + "-u" + String.format("%02d", random.nextInt(20)))
                .setTeamIds(List.of(tenant + (random.nextBoolean() ? "-platform" : "-research")))
                .setApiKeyId(tenant + "-k" + random.nextInt(5)).setProvider(model.provider()).setModel(model.model())
                .setFeature(random.nextBoolean() ? "chat" : "codegen").setEndpoint("/v1/chat/completions")
                .setInputTokens(input).setCachedInputTokens(random.nextInt(4) == 0 ? input / 2 : 0)
                .setOutputTokens(50 + random.nextInt(1_500)).setRequests(1).setLatencyMs(200L + random.nextInt(4_000))
                .setStatus(random.nextInt(50) == 0 ? UsageStatus.error : UsageStatus.ok).build();
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close();
    }
}
