package dev.usageledger.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LedgerStreamsConfigTest {

    @Test
    void shouldHandTheClientSecuritySettingsToTheLedgersOtherClients() {
        LedgerStreamsConfig config = new LedgerStreamsConfig(Map.of("bootstrap.servers", "kafka:9092",
                "schema.registry.url", "http://registry:8081", "streams.security.protocol", "SASL_SSL",
                "streams.sasl.mechanism", "SCRAM-SHA-512", "streams.ssl.truststore.location", "/etc/kafka/trust.p12",
                "streams.num.stream.threads", "4", "streams.producer.linger.ms", "5"));

        assertThat(config.clientSecurity()).containsOnly(Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.mechanism", "SCRAM-SHA-512"), Map.entry("ssl.truststore.location", "/etc/kafka/trust.p12"));
    }
}
