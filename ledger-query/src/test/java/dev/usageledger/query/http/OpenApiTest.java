package dev.usageledger.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.usageledger.query.state.LedgerState;
import dev.usageledger.query.state.Progress;
import dev.usageledger.query.state.ReportState;
import dev.usageledger.query.state.UsageWriter;
import dev.usageledger.streams.live.LiveState;
import dev.usageledger.streams.state.PolicyIndexCache;
import io.helidon.webserver.http.HttpRouting;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The served OpenAPI document lists exactly the endpoints the routes register. */
class OpenApiTest {

    @Test
    void shouldDocumentEveryRouteAndNothingElse() throws Exception {
        LedgerState state = new LedgerState(new Progress(), new PolicyIndexCache(), new LiveState());
        List<String> registered = LedgerRoutes.routes(HttpRouting.builder(), state, new ReportState("rated"), null, null,
                new UsageWriter(null, "usage", null, Duration.ZERO),
                new IngestSettings(1024, 10, Duration.ofMinutes(5), "user_api_key_org_id"), null, Auth.of(List.of()),
                new ApiSettings(1024, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), Duration.ofMinutes(10),
                        Duration.ofDays(1), Clock.systemUTC(), 80),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));

        Set<String> documented = new TreeSet<>();
        try (InputStream in = OpenApiTest.class.getResourceAsStream("/openapi.yaml")) {
            JsonNode paths = new ObjectMapper(new YAMLFactory()).readTree(in).get("paths");
            paths.fieldNames().forEachRemaining(path -> paths.get(path).fieldNames()
                    .forEachRemaining(method -> documented.add(method.toUpperCase(Locale.ROOT) + " " + path)));
        }

        assertThat(new TreeSet<>(registered)).isEqualTo(documented);
    }
}
