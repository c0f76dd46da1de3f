package dev.usageledger.query.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SignaturesAndTargetsTest {

    @Test
    void shouldSignAsTheStandardWebhooksExampleDoes() {
        // the example of the Standard Webhooks specification
        String signature = Signatures.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330L,
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));

        assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void shouldRefuseSecretsThatAreNotWhsecBase64OfEnoughBytes() {
        assertThatThrownBy(() -> Signatures.key("hunter2")).hasMessageContaining("whsec_");
        assertThatThrownBy(() -> Signatures.key("whsec_c2hvcnQ=")).hasMessageContaining("got 5 bytes");
        assertThatThrownBy(() -> Signatures.key("whsec_not base64!")).hasMessageContaining("base64");
    }

    @Test
    void shouldRefusePrivateAndNonHttpTargetsUnlessAllowed() {
        Targets guarded = new Targets(false);
        for (String url : new String[] {"http://127.0.0.1/x", "http://10.1.2.3/x", "http://192.168.0.5/x", "http://172.16.0.1/x",
                "http://169.254.169.254/latest/meta-data", "http://100.64.0.1/x", "http://0.0.0.0/x", "http://[::1]/x", "http://[fd00::1]/x",
                "http://[fe80::1]/x"}) {
            assertThatThrownBy(() -> guarded.check(url)).as(url).hasMessageContaining("private");
        }
        assertThatThrownBy(() -> guarded.check("file:///etc/passwd")).hasMessageContaining("http or https");
        assertThatThrownBy(() -> guarded.check("https://user:pw@203.0.113.10/x")).hasMessageContaining("credentials");
        assertThat(guarded.check("https://203.0.113.10/hook").getHost()).isEqualTo("203.0.113.10");
        assertThat(new Targets(true).check("http://127.0.0.1:8080/hook").getPort()).isEqualTo(8080);
    }
}
