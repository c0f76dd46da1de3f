package dev.usageledger.schemas.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Builds the TLS context of the registry client from its trust and key store settings. */
final class RegistryTls {
    private RegistryTls() {
    }

    /** Empty when no store is configured: the JDK's default trust applies to https URLs. */
    static Optional<SSLContext> sslContext(RegistryClientConfig config) {
        String truststore = config.getString(RegistryClientConfig.TRUSTSTORE_LOCATION_CONFIG);
        String keystore = config.getString(RegistryClientConfig.KEYSTORE_LOCATION_CONFIG);
        if (truststore == null && keystore == null) {
            return Optional.empty();
        }
        try {
            TrustManagerFactory trust = null;
            if (truststore != null) {
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(load(RegistryClientConfig.TRUSTSTORE_LOCATION_CONFIG, truststore,
                        config.getString(RegistryClientConfig.TRUSTSTORE_TYPE_CONFIG),
                        config.password(RegistryClientConfig.TRUSTSTORE_PASSWORD_CONFIG)));
            }
            KeyManagerFactory keys = null;
            if (keystore != null) {
                Password storePassword = config.password(RegistryClientConfig.KEYSTORE_PASSWORD_CONFIG);
                Password keyPassword = config.password(RegistryClientConfig.KEY_PASSWORD_CONFIG);
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(load(RegistryClientConfig.KEYSTORE_LOCATION_CONFIG, keystore,
                        config.getString(RegistryClientConfig.KEYSTORE_TYPE_CONFIG), storePassword),
                        chars(keyPassword != null ? keyPassword : storePassword));
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
            return Optional.of(context);
        } catch (GeneralSecurityException e) {
            throw new ConfigException("cannot build the schema registry TLS context: " + e.getMessage());
        }
    }

    private static KeyStore load(String key, String location, String type, Password password) throws GeneralSecurityException {
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, chars(password));
            return store;
        } catch (IOException e) {
            throw new ConfigException(key, location, "cannot read the " + type + " store: " + e.getMessage());
        }
    }

    private static char[] chars(Password password) {
        return password == null ? null : password.value().toCharArray();
    }
}
