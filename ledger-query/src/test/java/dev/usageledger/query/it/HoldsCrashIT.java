package dev.usageledger.query.it;

import static dev.usageledger.query.it.ServiceFixture.ACME_TOKEN;
import static dev.usageledger.query.it.ServiceFixture.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.streams.LedgerStreamsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Holds across a crash of the instance deciding them: two ledger services in JVMs of their own,
 * 200 concurrent holds of 1,000 against room for 50 (less the usage flowing at the same time),
 * half sent to each instance, and the owner of the tenant's partition killed with SIGKILL after a
 * different number of answers in each round. Clients retry what got no answer (a refused
 * connection, a 503) with the same hold id, as the API asks. After the survivor takes over, every
 * answer given must be what the ledger holds: each granted hold is placed and counted as held,
 * each refused one is refused, a retry of any of them gets its first answer, and no round grants
 * more than there was room for.
 */
@ExtendWith(LedgerClusterExtension.class)
class HoldsCrashIT {
    /** Rounds, each with its own kill point; {@code -Dledger.crash.rounds} overrides. */
    private static final int ROUNDS = Integer.getInteger("ledger.crash.rounds", 10);
    private static final int HOLDS = 200;
    private static final long HOLD_MICROS = 1_000;
    private static final long LIMIT_MICROS = 50_000;
    private static final int USAGE_EVENTS = 20;
    private static final long USAGE_MICROS = 100;

    @TempDir
    Path state;

    @Test
    void shouldKeepEveryAnswerWhenTheOwnerIsKilledMidRace(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("holds-crash");
        ServiceFixture.createTopics(cluster, prefix, 1); // one partition: one owner to kill
        Map<String, Object> config = ServiceFixture.config(cluster, prefix, prefix + "-app", state);
        config.put("streams.consumer.session.timeout.ms", 6_000); // the survivor takes over once the killed member's session ends
        config.put(ServiceProcess.OWNED_PARTITION_SETTING, prefix + ".hold-journal-0");
        Path logs = Files.createDirectories(Path.of("target", "holds-crash"));
        ServiceProcess.Child[] children = new ServiceProcess.Child[2];
        for (int i = 0; i < 2; i++) {
            children[i] = start(config, i, logs, 0);
        }
        try {
            for (int round = 0; round < ROUNDS; round++) {
                int killAfter = (round * 37) % (HOLDS - 10); // answers given before the kill: 0, 37, 74, ... a different point each round
                int victim = round(cluster, prefix, children, round, killAfter);
                children[victim] = start(config, victim, logs, round + 1); // restarted on the state it had, for the next round
            }
        } finally {
            for (ServiceProcess.Child child : children) {
                child.kill();
            }
        }
    }

    /** One round; answers the index of the instance it killed. */
    private static int round(LedgerCluster cluster, String prefix, ServiceProcess.Child[] children, int round, int killAfter)
            throws Exception {
        Api[] apis = new Api[2];
        for (int i = 0; i < 2; i++) {
            apis[i] = new Api(children[i].api.get(120, TimeUnit.SECONDS));
        }
        Await.until(() -> ready(apis[0]) && ready(apis[1]) && (children[0].owner ^ children[1].owner), Duration.ofSeconds(120),
                "both instances ready and one of them owning the partition (round " + round + ")");
        int owner = children[0].owner ? 0 : 1;
        int survivor = 1 - owner;
        String user = "crash-u" + round;
        String policy = "crash-" + round;
        Api.Response put = apis[owner].put("/v1/policies/" + policy, ADMIN_TOKEN, budget(user));
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        Await.until(() -> apis[survivor].get("/v1/policies/" + policy, ADMIN_TOKEN).status() == 200, Duration.ofSeconds(30),
                "the policy to reach the other instance");

        Map<String, Integer> answers = new ConcurrentHashMap<>();
        AtomicInteger answered = new AtomicInteger();
        int killedAt;
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> calls = new ArrayList<>();
            calls.add(callers.submit(() -> {
                publishUsage(cluster, prefix, user, round); // usage of the same budget, flowing during the race
                return null;
            }));
            for (int i = 0; i < HOLDS; i++) {
                String id = "r" + round + "-hold-" + i;
                int first = i % 2;
                calls.add(callers.submit(() -> {
                    answers.put(id, place(apis, first, id, user));
                    answered.incrementAndGet();
                    return null;
                }));
                TimeUnit.MICROSECONDS.sleep(500); // all in flight together, sent over about 0.1 s so a kill point lands mid-race
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (answered.get() < killAfter && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            killedAt = answered.get();
            children[owner].kill();
            for (Future<?> call : calls) {
                call.get(180, TimeUnit.SECONDS);
            }
        }

        // Then no more were granted than there was room for, and the survivor holds every answer
        long granted = answers.values().stream().filter(status -> status == 201).count();
        assertThat(granted).as("holds granted in round %d (killed after %d answers)", round, killAfter)
                .isPositive().isLessThanOrEqualTo(LIMIT_MICROS / HOLD_MICROS);
        Api after = apis[survivor];
        Await.until(() -> children[survivor].owner && ready(after), Duration.ofSeconds(60),
                "the survivor to own the partition (round " + round + ")");
        for (Map.Entry<String, Integer> answer : answers.entrySet()) {
            String id = answer.getKey();
            Api.Response stored = after.get("/v1/holds/" + id + "?tenant_id=acme", ACME_TOKEN);
            assertThat(stored.status()).as("hold %s after the crash: %s", id, stored.body()).isEqualTo(200);
            assertThat(stored.json().get("state").asText()).as("hold %s, answered %d", id, answer.getValue())
                    .isEqualTo(answer.getValue() == 201 ? "placed" : "denied");
            // a retry by hold id after the crash gets the first answer (once the survivor has taken the partition over)
            assertThat(place(new Api[] {after, after}, 0, id, user)).as("retry of hold %s after the crash", id).isEqualTo(answer.getValue());
        }
        Await.until(() -> {
            JsonNode budget = budgetOf(after, policy, user);
            return budget != null && budget.get("used").asLong() == USAGE_EVENTS * USAGE_MICROS;
        }, Duration.ofSeconds(30), "the usage of round " + round + " to be counted");
        JsonNode budget = budgetOf(after, policy, user);
        assertThat(budget.get("held").asLong()).as("held in round %d: %s", round, budget).isEqualTo(granted * HOLD_MICROS);
        System.out.printf("holds crash round %d: owner killed after %d answers (aimed at %d); %d granted, %d refused; held %d, used %d%n",
                round, killedAt, killAfter, granted, HOLDS - granted, budget.get("held").asLong(), budget.get("used").asLong());
        return owner;
    }

    /**
     * Places a hold as a careful client does: an answer is a 201 (granted) or a 200 (refused);
     * anything else (the instance gone, a 503 while the partition moves) is retried with the same
     * hold id, at the other instance after a failed connection.
     */
    private static int place(Api[] apis, int first, String id, String user) throws InterruptedException {
        int at = first;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            Api.Response response = attempt(apis[at], id, user);
            if (response != null && (response.status() == 201 || response.status() == 200)) {
                return response.status();
            }
            if (response != null && response.status() != 503) {
                throw new AssertionError("hold " + id + " answered " + response.status() + ": " + response.body());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("hold " + id + " got no answer within 120 s");
            }
            if (response == null) {
                at = 1 - at;
            }
            TimeUnit.MILLISECONDS.sleep(response == null ? 100 : Math.min(1_000, response.json().path("retry_after_ms").asLong(100)));
        }
    }

    /** One attempt; null when the instance did not answer (killed, or its connection cut). */
    private static Api.Response attempt(Api api, String id, String user) {
        try {
            return api.post("/v1/holds", ACME_TOKEN, hold(id, user));
        } catch (AssertionError e) {
            if (e.getCause() instanceof IOException) {
                return null;
            }
            throw e;
        }
    }

    private static void publishUsage(LedgerCluster cluster, String prefix, String user, int round) throws Exception {
        List<UsageEvent> usage = new ArrayList<>();
        for (int i = 0; i < USAGE_EVENTS; i++) {
            usage.add(UsageEvent.newBuilder().setEventId("r" + round + "-use-" + i).setTenantId("acme").setUserId(user)
                    .setOccurredAt(Instant.now()).setTeamIds(List.of()).setCostMicros(USAGE_MICROS).setRequests(1)
                    .setStatus(UsageStatus.ok).build());
        }
        for (UsageEvent event : usage) {
            ServiceFixture.publish(cluster, prefix + ".usage", List.of(event));
        }
    }

    private static ServiceProcess.Child start(Map<String, Object> config, int index, Path logs, int run) throws IOException {
        Map<String, Object> own = new HashMap<>(config);
        own.put(LedgerStreamsConfig.STATE_DIR_CONFIG, config.get(LedgerStreamsConfig.STATE_DIR_CONFIG) + "/instance-" + index);
        return ServiceProcess.start(own, logs.resolve("instance-" + index + "-run-" + run + ".log"));
    }

    private static boolean ready(Api api) {
        try {
            return api.get("/ready", null).status() == 200;
        } catch (AssertionError notListening) {
            return false;
        }
    }

    private static JsonNode budgetOf(Api api, String policy, String user) {
        for (JsonNode budget : api.get("/v1/tenants/acme/status?scope=user:" + user, ACME_TOKEN).json().get("budgets")) {
            if (budget.get("policy_id").asText().equals(policy)) {
                return budget;
            }
        }
        return null;
    }

    private static String budget(String user) {
        return """
                {"tenant_id": "acme", "subject": {"type": "user", "id": "%s"}, "metric": "cost_micros", "limit": %d,
                 "period": {"kind": "month", "time_zone": "UTC"}}""".formatted(user, LIMIT_MICROS);
    }

    private static String hold(String id, String user) {
        return "{\"tenant_id\": \"acme\", \"user_id\": \"" + user + "\", \"hold_id\": \"" + id + "\", \"ttl_ms\": 600000"
                + ", \"estimate\": {\"cost_micros\": " + HOLD_MICROS + "}}";
    }
}
