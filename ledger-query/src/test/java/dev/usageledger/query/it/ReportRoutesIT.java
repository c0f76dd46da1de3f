package dev.usageledger.query.it;

import static dev.usageledger.query.it.ServiceFixture.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.usageledger.infra.embedded.testkit.Await;
import dev.usageledger.infra.embedded.testkit.LedgerCluster;
import dev.usageledger.infra.embedded.testkit.LedgerClusterExtension;
import dev.usageledger.query.LedgerService;
import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import dev.usageledger.streams.LedgerStreamsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The report routes over HTTP, on the reporting part: days of zones whose offsets are not whole
 * hours, a user's spend by model, weekly and monthly trends across New York's change of clocks,
 * error rate and average latency. The events are weeks old, so the service runs with a late
 * grace long enough to count them.
 */
@ExtendWith(LedgerClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportRoutesIT {
    private LedgerService service;
    private Api api;

    @BeforeAll
    void start(LedgerCluster cluster) throws Exception {
        String prefix = LedgerCluster.uniqueName("reports");
        ServiceFixture.createTopics(cluster, prefix, 2);
        Map<String, Object> config = ServiceFixture.config(cluster, prefix, prefix + "-app", Files.createTempDirectory("ledger-reports-it"));
        config.put(LedgerStreamsConfig.LATE_GRACE_MS_CONFIG, Duration.ofDays(400).toMillis());
        service = ServiceFixture.startAndAwaitRunning(config, Clock.fixed(Instant.parse("2026-12-06T12:00:00Z"), ZoneOffset.UTC));
        api = new Api(service.apiUri());

        // Kolkata is UTC+05:30 and Kathmandu UTC+05:45: their 20 November starts at 18:30 and 18:15 UTC on the 19th
        RecordMetadata zones = ServiceFixture.publish(cluster, prefix + ".usage", List.of(
                call("zones", "before-kathmandu", "2026-11-19T18:14:59.999Z", 1L).build(),
                call("zones", "kathmandu-start", "2026-11-19T18:15:00Z", 10L).setModel("m1").build(),
                call("zones", "kolkata-start", "2026-11-19T18:30:00Z", 100L).setModel("m2").build(),
                call("zones", "midday", "2026-11-20T06:00:00Z", 1_000L).setModel("m1").build(),
                call("zones", "kathmandu-end", "2026-11-20T18:14:59.999Z", 10_000L).build(),
                call("zones", "kolkata-end", "2026-11-20T18:29:59.999Z", 100_000L).setModel("m2").build(),
                call("zones", "after-kolkata", "2026-11-20T18:30:00Z", 1_000_000L).build()));
        // New York leaves daylight saving on Sunday 1 November 2026 at 06:00 UTC
        RecordMetadata newYork = ServiceFixture.publish(cluster, prefix + ".usage", List.of(
                call("nyc", "last-october-ms", "2026-11-01T03:59:59.999Z", 1L).build(),
                call("nyc", "first-november-ms", "2026-11-01T04:00:00Z", 10L).build(),
                call("nyc", "sunday-est", "2026-11-02T04:59:59.999Z", 100L).build(),
                call("nyc", "monday-est", "2026-11-02T05:00:00Z", 1_000L).build(),
                call("nyc", "last-november-ms", "2026-12-01T04:59:59.999Z", 10_000L).build(),
                call("nyc", "december", "2026-12-01T05:00:00Z", 100_000L).build()));
        RecordMetadata quality = ServiceFixture.publish(cluster, prefix + ".usage", List.of(
                call("quality", "fast", "2026-11-20T10:00:00Z", 1L).setLatencyMs(100L).build(),
                call("quality", "slow", "2026-11-20T10:01:00Z", 1L).setLatencyMs(900L).build(),
                call("quality", "failed", "2026-11-20T10:02:00Z", 1L).setStatus(UsageStatus.error).setLatencyMs(2_000L).build(),
                call("quality", "unmeasured", "2026-11-20T10:03:00Z", 1L).build()));
        for (var tenant : Map.of("zones", zones, "nyc", newYork, "quality", quality).entrySet()) {
            Await.until(() -> api.get("/v1/tenants/" + tenant.getKey() + "/usage?min_offset=" + tenant.getValue().offset(),
                    ADMIN_TOKEN).status() == 200, Duration.ofSeconds(60), "the reporting part to apply " + tenant.getKey() + "'s events");
        }
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void shouldAnswerADayInKolkataAndInKathmandu() {
        JsonNode kolkata = api.get("/v1/tenants/zones/usage?period=day&time_zone=Asia/Kolkata&at=2026-11-20T06:30:00Z", ADMIN_TOKEN).json();
        assertThat(kolkata.get("period_start").asText()).isEqualTo("2026-11-19T18:30:00.000Z");
        assertThat(kolkata.get("period_end").asText()).isEqualTo("2026-11-20T18:30:00.000Z");
        assertThat(kolkata.get("cost_micros").asLong()).isEqualTo(100L + 1_000 + 10_000 + 100_000);

        JsonNode kathmandu = api.get("/v1/tenants/zones/usage?period=day&time_zone=Asia/Kathmandu&at=2026-11-20T06:30:00Z", ADMIN_TOKEN)
                .json();
        assertThat(kathmandu.get("period_start").asText()).isEqualTo("2026-11-19T18:15:00.000Z");
        assertThat(kathmandu.get("cost_micros").asLong()).isEqualTo(10L + 100 + 1_000 + 10_000);
        assertThat(kathmandu.get("events").asLong()).isEqualTo(4);
    }

    @Test
    void shouldBreakAUsersSpendDownByModel() {
        JsonNode byModel = api.get("/v1/tenants/zones/breakdown?scope=user:u1&by=model&period=day&time_zone=Asia/Kolkata"
                + "&at=2026-11-20T06:30:00Z", ADMIN_TOKEN).json();
        assertThat(byModel.get("scope").get("type").asText()).isEqualTo("user");
        assertThat(rows(byModel, "model")).containsExactly("m1=1000", "m2=100100");
    }

    @Test
    void shouldTrendByWeekAndByMonthInNewYorkAcrossTheChangeOfClocks() {
        JsonNode weeks = api.get("/v1/tenants/nyc/trends?interval=week&time_zone=America/New_York&from=2026-10-28T12:00:00Z"
                + "&to=2026-11-03T00:00:00Z", ADMIN_TOKEN).json();
        assertThat(weeks.get("rows")).hasSize(2);
        assertThat(weeks.get("rows").get(0).get("period_start").asText()).isEqualTo("2026-10-26T04:00:00.000Z");
        assertThat(weeks.get("rows").get(0).get("period_end").asText()).as("the week of the change is an hour longer")
                .isEqualTo("2026-11-02T05:00:00.000Z");
        assertThat(weeks.get("rows").findValuesAsText("cost_micros")).containsExactly("111", "1000");

        JsonNode months = api.get("/v1/tenants/nyc/trends?interval=month&time_zone=America/New_York&from=2026-10-15T12:00:00Z"
                + "&to=2026-12-15T00:00:00Z", ADMIN_TOKEN).json();
        assertThat(months.get("rows").findValuesAsText("period_start"))
                .containsExactly("2026-10-01T04:00:00.000Z", "2026-11-01T04:00:00.000Z", "2026-12-01T05:00:00.000Z");
        assertThat(months.get("rows").findValuesAsText("cost_micros")).containsExactly("1", "11110", "100000");
    }

    @Test
    void shouldTrendByHourOfKathmanduAndAcrossNewYorksRepeatedHour() {
        // Kathmandu's hours start a quarter past the UTC hour: its first hour of 20 November holds the kathmandu-start call only
        JsonNode kathmandu = api.get("/v1/tenants/zones/trends?interval=hour&time_zone=Asia/Kathmandu&from=2026-11-19T18:15:00Z"
                + "&to=2026-11-19T20:15:00Z", ADMIN_TOKEN).json();
        assertThat(kathmandu.get("rows").findValuesAsText("period_start"))
                .containsExactly("2026-11-19T18:15:00.000Z", "2026-11-19T19:15:00.000Z");
        assertThat(kathmandu.get("rows").findValuesAsText("cost_micros")).containsExactly("110", "0");

        // New York's 01:00 happens twice on 1 November 2026: two rows, an hour apart, each an hour long
        JsonNode repeated = api.get("/v1/tenants/nyc/trends?interval=hour&time_zone=America/New_York&from=2026-11-01T05:00:00Z"
                + "&to=2026-11-01T07:00:00Z", ADMIN_TOKEN).json();
        assertThat(repeated.get("rows").findValuesAsText("period_start"))
                .containsExactly("2026-11-01T05:00:00.000Z", "2026-11-01T06:00:00.000Z");
        assertThat(repeated.get("rows").findValuesAsText("period_end"))
                .containsExactly("2026-11-01T06:00:00.000Z", "2026-11-01T07:00:00.000Z");
    }

    @Test
    void shouldGiveTheErrorRateAndTheAverageLatency() {
        JsonNode day = api.get("/v1/tenants/quality/usage?period=day&at=2026-11-20T12:00:00Z", ADMIN_TOKEN).json();
        assertThat(day.get("events").asLong()).isEqualTo(4);
        assertThat(day.get("errors").asLong()).isEqualTo(1);
        assertThat(day.get("error_rate").decimalValue()).isEqualByComparingTo("0.25");
        assertThat(day.get("latency_ms_avg").asLong()).as("the event without a latency is not averaged in").isEqualTo(1_000);
    }

    private static UsageEvent.Builder call(String tenant, String id, String at, long costMicros) {
        return UsageEvent.newBuilder().setEventId(id).setTenantId(tenant).setOccurredAt(Instant.parse(at)).setUserId("u1")
                .setTeamIds(List.of()).setStatus(UsageStatus.ok).setCostMicros(costMicros);
    }

    private static List<String> rows(JsonNode answer, String by) {
        return StreamSupport.stream(answer.get("rows").spliterator(), false)
                .map(row -> row.get(by).asText() + "=" + row.get("cost_micros").asLong()).toList();
    }
}
