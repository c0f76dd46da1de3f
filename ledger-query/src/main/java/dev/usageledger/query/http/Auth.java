package dev.usageledger.query.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Bearer tokens from configuration. Entries read {@code admin=TOKEN} or
 * {@code tenant:acme|globex=TOKEN}. A presented token is hashed and compared with every entry's
 * hash in constant time, so neither the comparison nor the number of comparisons depends on how
 * much of a token matched.
 */
public final class Auth {
    private record Entry(byte[] digest, Caller caller) {
    }

    private final List<Entry> entries;

    private Auth(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** Parses the configured entries; a malformed one fails start-up with what is wrong. */
    public static Auth of(List<String> configured) {
        List<Entry> entries = new ArrayList<>();
        for (String entry : configured) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new IllegalArgumentException("a token entry must read admin=TOKEN or tenant:ID[|ID...]=TOKEN, got '"
                        + redact(entry) + "'");
            }
            String scope = entry.substring(0, eq).trim();
            String token = entry.substring(eq + 1).trim();
            if (token.length() < 16) {
                throw new IllegalArgumentException("token for '" + scope + "' is shorter than 16 characters; use a random token");
            }
            Caller caller;
            if (scope.equals("admin")) {
                caller = new Caller(true, Set.of());
            } else if (scope.startsWith("tenant:") && scope.length() > "tenant:".length()) {
                caller = new Caller(false, Set.copyOf(Arrays.asList(scope.substring("tenant:".length()).split("\\|"))));
            } else {
                throw new IllegalArgumentException("a token's scope must be 'admin' or 'tenant:ID[|ID...]', got '" + scope + "'");
            }
            entries.add(new Entry(sha256(token), caller));
        }
        return new Auth(entries);
    }

    /** The caller an {@code Authorization} header speaks for; empty for a missing or unknown token. */
    public Optional<Caller> authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] presented = sha256(authorization.substring(7).trim());
        Caller found = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.digest, presented) && found == null) {
                found = entry.caller;
            }
        }
        return Optional.ofNullable(found);
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String redact(String entry) {
        int eq = entry.indexOf('=');
        return eq < 0 ? "<no '='>" : entry.substring(0, eq) + "=<redacted>";
    }
}
