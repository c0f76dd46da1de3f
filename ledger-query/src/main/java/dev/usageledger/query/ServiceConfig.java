package dev.usageledger.query;

import dev.usageledger.streams.LedgerStreamsConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The service's settings: the HTTP listener and the address other instances reach it at, the
 * bearer tokens, and the bounds of waits. Every key of {@link LedgerStreamsConfig} (Kafka,
 * registry, topics, time rules, {@code streams.*} pass-through) is read from the same map.
 */
public final class ServiceConfig extends AbstractConfig {
    public static final String HTTP_HOST_CONFIG = "ledger.http.host";
    public static final String HTTP_PORT_CONFIG = "ledger.http.port";
    public static final String ADVERTISED_HOST_CONFIG = "ledger.advertised.host";
    public static final String AUTH_TOKENS_CONFIG = "ledger.auth.tokens";
    public static final String MAX_BODY_BYTES_CONFIG = "ledger.http.max.body.bytes";
    public static final String INGEST_MAX_BODY_BYTES_CONFIG = "ledger.ingest.max.body.bytes";
    public static final String INGEST_MAX_EVENTS_CONFIG = "ledger.ingest.max.events";
    public static final String LITELLM_TENANT_FIELD_CONFIG = "ledger.litellm.tenant.field";
    public static final String DEFAULT_WARN_PCT_CONFIG = "ledger.policy.default.warn.pct";
    public static final String WEBHOOKS_TOPIC_CONFIG = "ledger.webhooks.topic";
    public static final String WEBHOOK_DELIVERIES_TOPIC_CONFIG = "ledger.webhook.deliveries.topic";
    public static final String WEBHOOKS_ALLOW_PRIVATE_CONFIG = "ledger.webhooks.allow.private.targets";
    public static final String WEBHOOKS_RETRY_INITIAL_MS_CONFIG = "ledger.webhooks.retry.initial.ms";
    public static final String WEBHOOKS_RETRY_MAX_MS_CONFIG = "ledger.webhooks.retry.max.ms";
    public static final String WEBHOOKS_GIVE_UP_MS_CONFIG = "ledger.webhooks.give.up.ms";
    public static final String READ_WAIT_MS_CONFIG = "ledger.read.wait.max.ms";
    public static final String BOOK_WAIT_MS_CONFIG = "ledger.book.wait.max.ms";
    public static final String FORWARD_TIMEOUT_MS_CONFIG = "ledger.forward.timeout.ms";
    public static final String HOLD_TTL_DEFAULT_MS_CONFIG = "ledger.hold.ttl.default.ms";

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(HTTP_HOST_CONFIG, Type.STRING, "127.0.0.1", Importance.HIGH,
                    "Address the HTTP API listens on (0.0.0.0 for every interface).")
            .define(HTTP_PORT_CONFIG, Type.INT, 8080, Range.between(0, 65_535), Importance.HIGH,
                    "Port of the HTTP API; 0 picks a free one.")
            .define(ADVERTISED_HOST_CONFIG, Type.STRING, "", Importance.HIGH,
                    "Host name other instances use to forward requests here (Kafka Streams application.server); "
                            + "empty means ledger.http.host.")
            .define(AUTH_TOKENS_CONFIG, Type.PASSWORD, "", Importance.HIGH,
                    "Bearer tokens, comma-separated: admin=TOKEN or tenant:ID[|ID...]=TOKEN. Tokens are at least 16 characters.")
            .define(MAX_BODY_BYTES_CONFIG, Type.INT, 65_536, Range.atLeast(1_024), Importance.LOW,
                    "Largest request body accepted; larger ones get 413.")
            .define(INGEST_MAX_BODY_BYTES_CONFIG, Type.INT, 8 * 1024 * 1024, Range.between(1_024, 16 * 1024 * 1024), Importance.LOW,
                    "Largest body of POST /v1/events; larger ones get 413.")
            .define(INGEST_MAX_EVENTS_CONFIG, Type.INT, 5_000, Range.between(1, 100_000), Importance.LOW,
                    "Most events in one POST /v1/events batch; more get 413.")
            .define(WEBHOOKS_TOPIC_CONFIG, Type.STRING, "ledger.webhooks.v1", Importance.LOW,
                    "Compacted topic of the tenants' breach webhooks.")
            .define(WEBHOOK_DELIVERIES_TOPIC_CONFIG, Type.STRING, "ledger.webhook-deliveries.v1", Importance.LOW,
                    "Compacted topic of every breach's delivery to every webhook: attempts, status, next retry.")
            .define(WEBHOOKS_ALLOW_PRIVATE_CONFIG, Type.BOOLEAN, false, Importance.LOW,
                    "Whether webhooks may target loopback and private addresses (refused by default: a webhook must not reach into the"
                            + " ledger's own network).")
            .define(WEBHOOKS_RETRY_INITIAL_MS_CONFIG, Type.LONG, 5_000L, Range.atLeast(1), Importance.LOW,
                    "A failed webhook delivery is retried after this, then after twice as long each time.")
            .define(WEBHOOKS_RETRY_MAX_MS_CONFIG, Type.LONG, 3_600_000L, Range.atLeast(1), Importance.LOW,
                    "The longest wait between two attempts of a webhook delivery.")
            .define(WEBHOOKS_GIVE_UP_MS_CONFIG, Type.LONG, 86_400_000L, Range.atLeast(1), Importance.LOW,
                    "A webhook delivery not answered 2xx this long after its first attempt is given up (status failed).")
            .define(DEFAULT_WARN_PCT_CONFIG, Type.INT, 80, Range.between(0, 100), Importance.MEDIUM,
                    "The soft limit, in percent of the limit, a limited policy gets when it is written with neither soft_limit_pct nor"
                            + " soft_limit: checks warn from there (0: no default).")
            .define(LITELLM_TENANT_FIELD_CONFIG, Type.STRING, "user_api_key_org_id", Importance.LOW,
                    "The field of a LiteLLM payload's metadata that names the tenant, when an admin token posts to /v1/ingest/litellm"
                            + " (a tenant token's own tenant is used otherwise).")
            .define(READ_WAIT_MS_CONFIG, Type.LONG, 2_000L, Range.atLeast(0), Importance.MEDIUM,
                    "How long a read with min_offset waits for its partition to apply that offset before answering 503.")
            .define(BOOK_WAIT_MS_CONFIG, Type.LONG, 5_000L, Range.atLeast(0), Importance.LOW,
                    "How long a policy or price write waits to be in force here before answering 202 instead of 200.")
            .define(FORWARD_TIMEOUT_MS_CONFIG, Type.LONG, 2_000L, Range.atLeast(1), Importance.LOW,
                    "Time limit of a request forwarded to the instance that owns its tenant.")
            .define(HOLD_TTL_DEFAULT_MS_CONFIG, Type.LONG, 600_000L, Range.atLeast(1_000), Importance.MEDIUM,
                    "How long a hold lives when the request names no ttl_ms; unsettled, it then expires.");

    private final LedgerStreamsConfig streams;

    public ServiceConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
        this.streams = new LedgerStreamsConfig(props);
    }

    /** Every key the service reads: its own and the topology's. */
    public static ConfigDef configDef() {
        ConfigDef all = new ConfigDef(CONFIG);
        LedgerStreamsConfig.configDef().configKeys().values().forEach(all::define);
        return all;
    }

    public LedgerStreamsConfig streams() {
        return streams;
    }

    public String advertisedHost() {
        String advertised = getString(ADVERTISED_HOST_CONFIG);
        return advertised.isBlank() ? getString(HTTP_HOST_CONFIG) : advertised;
    }

    public List<String> tokens() {
        String value = getPassword(AUTH_TOKENS_CONFIG).value();
        return value.isBlank() ? List.of() : List.of(value.trim().split("\\s*,\\s*"));
    }

    /** The topology's settings with {@code application.server} set to where this instance answers. */
    public LedgerStreamsConfig streamsWithServer(int port) {
        Map<String, Object> props = new HashMap<>(originals());
        props.put(LedgerStreamsConfig.STREAMS_PREFIX + "application.server", advertisedHost() + ":" + port);
        return new LedgerStreamsConfig(props);
    }
}
