package dev.usageledger.query.it;

import static dev.usageledger.query.it.ServiceFixture.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.producer.enforce.Call;
import dev.usageledger.producer.enforce.FailMode;
import dev.usageledger.producer.enforce.LedgerEnforcer;
import dev.usageledger.producer.enforce.Verdict;
import dev.usageledger.query.LedgerService;
import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sidecar client against a real ledger: its checks and holds get the ledger's own answers
 * while the ledger runs, and the fail mode's once it is gone.
 */
@ExtendWith(LedgerClusterExtension.class)
class LedgerEnforcerIT {
    @Test
    void shouldGiveTheLedgersAnswersWhileItRunsAndTheFailModesOnceItIsGone(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("enforcer");
        ServiceFixture.createTopics(cluster, prefix, 2);
        Map<String, Object> config = ServiceFixture.config(cluster, prefix, prefix + "-app", Files.createTempDirectory("ledger-enforcer-it"));
        LedgerService service = ServiceFixture.startAndAwaitRunning(config, Clock.systemUTC());
        URI uri = service.apiUri();
        Call call = Call.forTenant("acme").withUser("enf-u1").withModel("openai", "gpt-4.1-mini");
        try (LedgerEnforcer open = LedgerEnforcer.builder(uri, ADMIN_TOKEN).deadline(Duration.ofSeconds(5)).failMode(FailMode.OPEN).build();
             LedgerEnforcer closed = LedgerEnforcer.builder(uri, ADMIN_TOKEN).deadline(Duration.ofSeconds(5)).failMode(FailMode.CLOSED)
                     .build()) {
            // Given u1 has a daily budget of 10,000
            assertThat(new Api(uri).put("/v1/policies/enf-u1-day", ADMIN_TOKEN, """
                    {"tenant_id": "acme", "subject": {"type": "user", "id": "enf-u1"}, "metric": "cost_micros", "limit": 10000,
                     "period": {"kind": "day", "time_zone": "UTC"}, "name": "u1's day"}""").status()).isEqualTo(200);

            // When a hold takes 8,000 of it
            Verdict hold = closed.hold(call.withCost(8_000), "enf-h1", Duration.ofMinutes(5));
            // Then it is granted by the ledger, and a call of 5,000 no longer fits until the hold is released
            assertThat(hold.source()).isEqualTo(Verdict.Source.LEDGER);
            assertThat(hold.allowed()).isTrue();
            assertThat(hold.holdId()).isEqualTo("enf-h1");
            Verdict over = open.check(call.withCost(5_000));
            assertThat(over.source()).isEqualTo(Verdict.Source.LEDGER);
            assertThat(over.allowed()).as("the ledger's deny stands, whatever the fail mode").isFalse();
            assertThat(over.message()).contains("u1's day");
            assertThat(closed.release("acme", "enf-h1")).isTrue();
            assertThat(closed.check(call.withCost(5_000)).allowed()).isTrue();
            assertThat(open.metrics().denied()).isEqualTo(1);
            assertThat(closed.metrics().answered()).isEqualTo(2);
            assertThat(closed.metrics().warned()).as("8,000 of 10,000 passes the default 80 % warning").isEqualTo(1);

            // When the ledger is gone
            service.close();
            service = null;
            Verdict openAnswer = open.check(call.withCost(1));
            Verdict closedAnswer = closed.hold(call.withCost(1), "enf-h2", Duration.ofMinutes(5));

            // Then each fail mode answers, and says so
            assertThat(openAnswer.allowed()).isTrue();
            assertThat(openAnswer.source()).isEqualTo(Verdict.Source.FAIL_OPEN);
            assertThat(closedAnswer.allowed()).isFalse();
            assertThat(closedAnswer.source()).isEqualTo(Verdict.Source.FAIL_CLOSED);
            assertThat(closedAnswer.reason()).contains("cannot be reached");
            assertThat(open.metrics().failedOpen()).isEqualTo(1);
            assertThat(closed.metrics().failedClosed()).isEqualTo(1);
        } finally {
            if (service != null) {
                service.close();
            }
        }
    }
}
