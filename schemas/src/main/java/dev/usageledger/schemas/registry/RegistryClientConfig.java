package dev.usageledger.schemas.registry;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Settings of {@link RestSchemaRegistryClient}. Keys follow Confluent's client where Confluent
 * has one, so an existing serde configuration carries over unchanged.
 */
public final class RegistryClientConfig extends AbstractConfig {

    public static final String URL_CONFIG = "schema.registry.url";
    private static final String URL_DOC = "Comma-separated base URLs of Confluent-compatible schema "
            + "registries, e.g. http://localhost:8081. Requests go to the first and move on to the next on failure.";

    public static final String BASIC_AUTH_SOURCE_CONFIG = "basic.auth.credentials.source";
    private static final String BASIC_AUTH_SOURCE_DOC = "Where HTTP basic credentials come from: "
            + "USER_INFO (basic.auth.user.info), URL (the user-info part of the URL), or empty for none.";

    public static final String BASIC_AUTH_USER_INFO_CONFIG = "basic.auth.user.info";
    private static final String BASIC_AUTH_USER_INFO_DOC = "Basic credentials as user:password, used when "
            + "basic.auth.credentials.source=USER_INFO.";

    public static final String SSL_PREFIX = "schema.registry.ssl.";
    public static final String TRUSTSTORE_LOCATION_CONFIG = SSL_PREFIX + "truststore.location";
    public static final String TRUSTSTORE_PASSWORD_CONFIG = SSL_PREFIX + "truststore.password";
    public static final String TRUSTSTORE_TYPE_CONFIG = SSL_PREFIX + "truststore.type";
    public static final String KEYSTORE_LOCATION_CONFIG = SSL_PREFIX + "keystore.location";
    public static final String KEYSTORE_PASSWORD_CONFIG = SSL_PREFIX + "keystore.password";
    public static final String KEYSTORE_TYPE_CONFIG = SSL_PREFIX + "keystore.type";
    public static final String KEY_PASSWORD_CONFIG = SSL_PREFIX + "key.password";

    public static final String CONNECT_TIMEOUT_CONFIG = "schema.registry.connect.timeout.ms";
    private static final String CONNECT_TIMEOUT_DOC = "How long to wait for a TCP connection to a registry.";

    public static final String REQUEST_TIMEOUT_CONFIG = "schema.registry.request.timeout.ms";
    private static final String REQUEST_TIMEOUT_DOC = "How long to wait for one answer from a registry.";

    public static final String MAX_RETRIES_CONFIG = "schema.registry.max.retries";
    private static final String MAX_RETRIES_DOC = "How many times a request that failed to connect or "
            + "got a 5xx answer is tried again (over all URLs) before the error is raised.";

    public static final String RETRY_BACKOFF_CONFIG = "schema.registry.retry.backoff.ms";
    private static final String RETRY_BACKOFF_DOC = "Wait before the first retry; doubles on each retry up to 2 s.";

    /** The registry-client keys, for composing into other configurations. */
    public static ConfigDef addTo(ConfigDef def) {
        return def
                .define(URL_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, urlValidator(), Importance.HIGH, URL_DOC)
                .define(BASIC_AUTH_SOURCE_CONFIG, Type.STRING, "",
                        ConfigDef.ValidString.in("", "USER_INFO", "URL"), Importance.MEDIUM, BASIC_AUTH_SOURCE_DOC)
                .define(BASIC_AUTH_USER_INFO_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, BASIC_AUTH_USER_INFO_DOC)
                .define(TRUSTSTORE_LOCATION_CONFIG, Type.STRING, null, Importance.MEDIUM, "Trust store for HTTPS registries.")
                .define(TRUSTSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, "Trust store password.")
                .define(TRUSTSTORE_TYPE_CONFIG, Type.STRING, "PKCS12", Importance.LOW, "Trust store type (PKCS12 or JKS).")
                .define(KEYSTORE_LOCATION_CONFIG, Type.STRING, null, Importance.MEDIUM, "Key store for TLS client authentication.")
                .define(KEYSTORE_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, "Key store password.")
                .define(KEYSTORE_TYPE_CONFIG, Type.STRING, "PKCS12", Importance.LOW, "Key store type (PKCS12 or JKS).")
                .define(KEY_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.LOW, "Private key password, when it differs from the key store's.")
                .define(CONNECT_TIMEOUT_CONFIG, Type.INT, 3_000, ConfigDef.Range.atLeast(1), Importance.LOW, CONNECT_TIMEOUT_DOC)
                .define(REQUEST_TIMEOUT_CONFIG, Type.INT, 10_000, ConfigDef.Range.atLeast(1), Importance.LOW, REQUEST_TIMEOUT_DOC)
                .define(MAX_RETRIES_CONFIG, Type.INT, 3, ConfigDef.Range.between(0, 20), Importance.LOW, MAX_RETRIES_DOC)
                .define(RETRY_BACKOFF_CONFIG, Type.LONG, 100L, ConfigDef.Range.atLeast(0), Importance.LOW, RETRY_BACKOFF_DOC);
    }

    private static final ConfigDef CONFIG = addTo(new ConfigDef());

    public RegistryClientConfig(Map<?, ?> props) {
        super(CONFIG, props);
    }

    /** The documented keys, for the README's configuration table. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    List<URI> urls() {
        return getList(URL_CONFIG).stream().map(u -> URI.create(u.endsWith("/") ? u.substring(0, u.length() - 1) : u)).toList();
    }

    Password password(String key) {
        return getPassword(key);
    }

    private static ConfigDef.Validator urlValidator() {
        return (name, value) -> {
            @SuppressWarnings("unchecked")
            List<String> urls = (List<String>) value;
            if (urls == null || urls.isEmpty()) {
                throw new ConfigException(name, value, "at least one registry URL is required, e.g. http://localhost:8081");
            }
            for (String url : urls) {
                URI uri;
                try {
                    uri = URI.create(url);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, url, "not a URL: " + e.getMessage());
                }
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new ConfigException(name, url, "a registry URL must be http:// or https:// with a host, e.g. http://localhost:8081");
                }
            }
        };
    }
}
