package dev.usageledger.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.types.Password;

/**
 * A {@link SchemaRegistryClient} over {@link HttpClient}, following Confluent's documented REST
 * API: {@code application/vnd.schemaregistry.v1+json}, {@code {"error_code", "message"}} error
 * bodies, global schema ids. Ids and schemas are immutable in the registry, so they are cached
 * for the life of the client; "latest" and configuration are always asked afresh.
 *
 * <p>Connection failures and 5xx answers are retried with a doubling back-off, over the
 * configured URLs in turn, up to {@code schema.registry.max.retries}; 4xx answers are not.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT = CONTENT_TYPE + ", application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
    private static final long MAX_BACKOFF_MS = 2_000;

    private final ObjectMapper json = new ObjectMapper();
    private final List<URI> urls;
    private final HttpClient http;
    private final Optional<String> authorization;
    private final Duration requestTimeout;
    private final int maxRetries;
    private final long retryBackoffMs;
    private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    /** A client for the registry described by {@code configs} (see {@link RegistryClientConfig}). */
    public static RestSchemaRegistryClient create(Map<String, ?> configs) {
        return new RestSchemaRegistryClient(new RegistryClientConfig(configs));
    }

    /** A client for the registry at {@code url} with default settings. */
    public static RestSchemaRegistryClient forUrl(String url) {
        return create(Map.of(RegistryClientConfig.URL_CONFIG, url));
    }

    public RestSchemaRegistryClient(RegistryClientConfig config) {
        this.urls = config.urls().stream().map(RestSchemaRegistryClient::withoutUserInfo).toList();
        this.authorization = basicAuth(config);
        this.requestTimeout = Duration.ofMillis(config.getInt(RegistryClientConfig.REQUEST_TIMEOUT_CONFIG));
        this.maxRetries = config.getInt(RegistryClientConfig.MAX_RETRIES_CONFIG);
        this.retryBackoffMs = config.getLong(RegistryClientConfig.RETRY_BACKOFF_CONFIG);
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(config.getInt(RegistryClientConfig.CONNECT_TIMEOUT_CONFIG)));
        RegistryTls.sslContext(config).ifPresent(builder::sslContext);
        this.http = builder.build();
    }

    @Override
    public int register(String subject, Schema schema) {
        String key = subject + '\u0000' + schema;
        Integer cached = idsBySubjectAndSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        int id = answer.path("id").asInt();
        idsBySubjectAndSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public RegisteredSchema lookup(String subject, Schema schema) {
        return registered(send("POST", "/subjects/" + encode(subject), schemaBody(schema)));
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        Schema schema = parse(answer);
        schemasById.put(id, schema);
        return schema;
    }

    @Override
    public RegisteredSchema latest(String subject) {
        return registered(send("GET", "/subjects/" + encode(subject) + "/versions/latest", null));
    }

    @Override
    public RegisteredSchema version(String subject, int version) {
        return registered(send("GET", "/subjects/" + encode(subject) + "/versions/" + version, null));
    }

    @Override
    public List<Integer> versions(String subject) {
        List<Integer> versions = new ArrayList<>();
        send("GET", "/subjects/" + encode(subject) + "/versions", null).forEach(v -> versions.add(v.asInt()));
        return versions;
    }

    @Override
    public List<String> subjects() {
        List<String> subjects = new ArrayList<>();
        send("GET", "/subjects", null).forEach(s -> subjects.add(s.asText()));
        return subjects;
    }

    @Override
    public CompatibilityResult testCompatibility(String subject, Schema schema) {
        JsonNode answer = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest?verbose=true",
                schemaBody(schema));
        List<String> messages = new ArrayList<>();
        answer.path("messages").forEach(m -> messages.add(m.asText()));
        return new CompatibilityResult(answer.path("is_compatible").asBoolean(false), messages);
    }

    @Override
    public CompatibilityLevel globalCompatibility() {
        return CompatibilityLevel.parse(send("GET", "/config", null).path("compatibilityLevel").asText());
    }

    @Override
    public CompatibilityLevel compatibility(String subject) {
        JsonNode answer = send("GET", "/config/" + encode(subject) + "?defaultToGlobal=true", null);
        return CompatibilityLevel.parse(answer.path("compatibilityLevel").asText());
    }

    @Override
    public void setCompatibility(String subject, CompatibilityLevel level) {
        ObjectNode body = json.createObjectNode().put("compatibility", level.name());
        send("PUT", subject == null ? "/config" : "/config/" + encode(subject), body);
    }

    @Override
    public void close() {
        http.close();
    }

    private ObjectNode schemaBody(Schema schema) {
        // Avro is the API's default type, so "schemaType" is left out as Confluent's own client does.
        return json.createObjectNode().put("schema", schema.toString());
    }

    private RegisteredSchema registered(JsonNode answer) {
        return new RegisteredSchema(answer.path("subject").asText(), answer.path("version").asInt(),
                answer.path("id").asInt(), parse(answer));
    }

    private Schema parse(JsonNode answer) {
        String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw new SchemaRegistryException(urls.get(0).toString(), "schema type " + type + " is not Avro; this client reads Avro only", null);
        }
        return new Schema.Parser().parse(answer.path("schema").asText());
    }

    private JsonNode send(String method, String path, JsonNode body) {
        SchemaRegistryException last = null;
        long started = System.nanoTime();
        for (int attempt = 0; attempt <= maxRetries; attempt++) {
            URI base = urls.get(attempt % urls.size());
            if (attempt > 0) {
                pause(Math.min(MAX_BACKOFF_MS, retryBackoffMs << Math.min(attempt - 1, 20)));
            }
            try {
                HttpResponse<String> response = http.send(request(base, method, path, body),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() < 300) {
                    return json.readTree(response.body());
                }
                last = errorAnswer(base, method, path, response);
                if (!last.isRetriable()) {
                    throw last;
                }
            } catch (IOException e) {
                last = new SchemaRegistryException(base.toString(), "schema registry " + base + " did not answer "
                        + method + " " + path + ": " + describe(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException(base.toString(), "interrupted while calling schema registry " + base, e);
            }
        }
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        throw new SchemaRegistryException(last.url(), last.getMessage() + " — gave up after " + (maxRetries + 1)
                + " attempts in " + elapsedMs + " ms; check " + RegistryClientConfig.URL_CONFIG + " (" + urls
                + ") and that the registry is running", last);
    }

    private HttpRequest request(URI base, String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(requestTimeout)
                .header("Accept", ACCEPT);
        authorization.ifPresent(value -> request.header("Authorization", value));
        if (body == null) {
            return request.method(method, HttpRequest.BodyPublishers.noBody()).build();
        }
        return request.header("Content-Type", CONTENT_TYPE)
                .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
                .build();
    }

    private SchemaRegistryException errorAnswer(URI base, String method, String path, HttpResponse<String> response) {
        int errorCode = response.statusCode();
        String message = response.body();
        try {
            JsonNode error = json.readTree(response.body());
            errorCode = error.path("error_code").asInt(errorCode);
            message = error.path("message").asText(message);
        } catch (IOException notJson) {
            // Not every proxy in front of a registry answers JSON; keep the raw body as the message.
        }
        return new SchemaRegistryException(base.toString(), response.statusCode(), errorCode, method + " " + path + ": " + message);
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null && text.length() < 300; t = t.getCause()) {
            if (!text.isEmpty()) {
                text.append(" <- ");
            }
            text.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                text.append(": ").append(t.getMessage());
            }
        }
        return text.toString();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // back-off between retries of a failed registry call, bounded by MAX_BACKOFF_MS
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static URI withoutUserInfo(URI uri) {
        return uri.getUserInfo() == null ? uri : URI.create(uri.getScheme() + "://" + uri.getHost()
                + (uri.getPort() == -1 ? "" : ":" + uri.getPort()) + (uri.getRawPath() == null ? "" : uri.getRawPath()));
    }

    private static Optional<String> basicAuth(RegistryClientConfig config) {
        String userInfo = switch (config.getString(RegistryClientConfig.BASIC_AUTH_SOURCE_CONFIG)) {
            case "USER_INFO" -> Optional.ofNullable(config.password(RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG))
                    .map(Password::value).orElse(null);
            case "URL" -> config.urls().get(0).getUserInfo();
            default -> null;
        };
        return Optional.ofNullable(userInfo).map(info -> "Basic "
                + Base64.getEncoder().encodeToString(info.getBytes(StandardCharsets.UTF_8)));
    }
}
