package dev.usageledger.cli.dev;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The dev stack's bearer tokens: an admin token and one per sample tenant, made at random on the
 * first start and kept in the data directory, so a restart keeps them.
 */
final class DevTokens {
    private static final SecureRandom RANDOM = new SecureRandom();

    private DevTokens() {
    }

    /** Scope ({@code admin}, {@code tenant:ID}) to token, read from {@code file} or made and written there. */
    static Map<String, String> load(Path file) {
        Properties tokens = new Properties();
        if (Files.exists(file)) {
            try (Reader reader = Files.newBufferedReader(file)) {
                tokens.load(reader);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the tokens in " + file, e);
            }
        }
        boolean added = false;
        for (String scope : scopes()) {
            if (!tokens.containsKey(scope)) {
                tokens.setProperty(scope, token());
                added = true;
            }
        }
        if (added) {
            try (Writer writer = Files.newBufferedWriter(file)) {
                tokens.store(writer, "bearer tokens of the ledger dev stack: scope=token");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the tokens to " + file, e);
            }
        }
        Map<String, String> byScope = new LinkedHashMap<>();
        for (String scope : scopes()) {
            byScope.put(scope, tokens.getProperty(scope));
        }
        return byScope;
    }

    /** The service's {@code ledger.auth.tokens} value. */
    static String setting(Map<String, String> tokens) {
        StringBuilder setting = new StringBuilder();
        tokens.forEach((scope, token) -> setting.append(setting.isEmpty() ? "" : ",").append(scope).append('=').append(token));
        return setting.toString();
    }

    private static Iterable<String> scopes() {
        java.util.List<String> scopes = new java.util.ArrayList<>();
        scopes.add("admin");
        Samples.TENANTS.forEach(t -> scopes.add("tenant:" + t));
        return scopes;
    }

    private static String token() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
