package dev.usageledger.query.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: HMAC-SHA256 over {@code <webhook-id>.<webhook-timestamp>.<body>}
 * with the secret's bytes (the base64 after {@code whsec_}), sent as {@code v1,<base64>}.
 */
public final class Signatures {
    public static final String PREFIX = "whsec_";

    private Signatures() {
    }

    /** The {@code webhook-signature} header's value. */
    public static String sign(String secret, String id, long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
            mac.update((id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** The key bytes of a {@code whsec_} secret; refuses anything else with a message that says what is expected. */
    public static byte[] key(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            throw new IllegalArgumentException("secret must be whsec_ followed by base64 of 24 to 64 random bytes");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("secret must be whsec_ followed by base64 of 24 to 64 random bytes: " + e.getMessage());
        }
        if (key.length < 24 || key.length > 64) {
            throw new IllegalArgumentException("secret must be whsec_ followed by base64 of 24 to 64 random bytes, got " + key.length + " bytes");
        }
        return key;
    }
}
