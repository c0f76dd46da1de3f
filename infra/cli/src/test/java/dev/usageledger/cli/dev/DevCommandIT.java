package dev.usageledger.cli.dev;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.usageledger.infra.embedded.testkit.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ledger dev} from the packaged jar: it says where it answers, serves the samples and the
 * generated traffic, stops on SIGTERM, and after a restart on the same data directory keeps every
 * total, policy and token.
 */
class DevCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    @Test
    void shouldRunTheWholeLedgerAndKeepItsTotalsAcrossARestart() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String adminToken;
        try (DevProcess first = DevProcess.start(data, "--traffic", "20")) {
            String[] ready = first.awaitReady();
            String api = ready[0];
            adminToken = ready[1];
            Await.until(() -> events(http, api, adminToken) >= 20, Duration.ofSeconds(60), "the generated traffic to be counted");
            JsonNode check = JSON.readTree(send(http, api + "/v1/check", adminToken, "{\"tenant_id\": \"acme\", \"user_id\": \"acme-u01\","
                    + " \"api_key_id\": \"acme-k1\", \"provider\": \"openai\", \"model\": \"gpt-4.1-mini\", \"estimate\": {\"input_tokens\": 1000}}").body());
            assertThat(check.get("budgets")).as("the sample policies govern the call").hasSize(3);
            assertThat(check.get("unpriced").asBoolean()).as("the sample prices rate it").isFalse();
            assertThat(first.awaitDashboard()).as("the dashboard's address, on the line after the ready line")
                    .isEqualTo(URI.create(api + "/ui"));
            first.stop();
        }

        try (DevProcess second = DevProcess.start(data, "--no-samples")) {
            String[] ready = second.awaitReady();
            assertThat(ready[1]).as("the admin token is kept in the data directory").isEqualTo(adminToken);
            long eventsAfterRestart = events(http, ready[0], adminToken);
            assertThat(eventsAfterRestart).as("the totals survive the restart").isGreaterThanOrEqualTo(20);
            HttpResponse<String> policy = http.send(HttpRequest.newBuilder(URI.create(ready[0] + "/v1/policies/acme-month-cost"))
                    .header("Authorization", "Bearer " + adminToken).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(policy.statusCode()).as("the sample policies survive the restart").isEqualTo(200);
            second.stop();
        }
    }

    private static long events(HttpClient http, String api, String token) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(api + "/v1/tenants/acme/usage?period=month"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()).get("events").asLong() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static HttpResponse<String> send(HttpClient http, String uri, String token, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(uri)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
