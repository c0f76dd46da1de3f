package dev.usageledger.infra.embedded.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.usageledger.infra.embedded.registry.RegistryState.Version;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Confluent Schema Registry REST API over {@link RegistryService}: routing, JSON in and out,
 * and errors as {@code {"error_code", "message"}} with Confluent's statuses. Handlers only
 * parse, call and render.
 */
final class RegistryHttp implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryHttp.class);
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final int MAX_BODY_BYTES = 4 << 20;

    private final ObjectMapper json = new ObjectMapper();
    private final RegistryService registry;

    RegistryHttp(RegistryService registry) {
        this.registry = registry;
    }

    /** A parsed request: method, path segments, query and body. */
    private record Call(String method, List<String> path, Map<String, String> query, JsonNode body) {
        boolean flag(String name) {
            return Boolean.parseBoolean(query.getOrDefault(name, "false"));
        }

        String text(String field) {
            JsonNode node = body == null ? null : body.get(field);
            return node == null || node.isNull() ? null : node.asText();
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status = 200;
            Object answer;
            try {
                Call call = parse(exchange);
                answer = route(call);
            } catch (RegistryError e) {
                status = e.status;
                answer = json.createObjectNode().put("error_code", e.errorCode).put("message", e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("schema registry request failed: {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                status = 500;
                answer = json.createObjectNode().put("error_code", 50001).put("message", "Error in the backend data store: " + e);
            }
            byte[] bytes = answer instanceof String raw ? raw.getBytes(StandardCharsets.UTF_8) : json.writeValueAsBytes(answer);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Object route(Call call) {
        List<String> p = call.path();
        String head = p.isEmpty() ? "" : p.getFirst();
        return switch (head) {
            case "" -> json.createObjectNode();
            case "schemas" -> schemas(call, p);
            case "subjects" -> subjects(call, p);
            case "compatibility" -> compatibility(call, p);
            case "config" -> config(call, p);
            case "mode" -> only(call, "GET", () -> json.createObjectNode().put("mode", "READWRITE"));
            default -> throw RegistryError.notFound(String.join("/", p));
        };
    }

    private Object schemas(Call call, List<String> p) {
        if (p.size() == 2 && p.get(1).equals("types")) {
            return only(call, "GET", () -> json.createArrayNode().add("AVRO"));
        }
        if (p.size() < 3 || !p.get(1).equals("ids")) {
            throw RegistryError.notFound(String.join("/", p));
        }
        int id = parseId(p.get(2));
        String tail = p.size() > 3 ? p.get(3) : "";
        return only(call, "GET", () -> switch (tail) {
            case "" -> json.createObjectNode().put("schema", registry.schemaById(id));
            case "schema" -> registry.schemaById(id);
            case "subjects" -> array(registry.versionsWithId(id).stream().map(Version::subject).distinct().toList());
            case "versions" -> {
                ArrayNode list = json.createArrayNode();
                registry.versionsWithId(id).forEach(v -> list.addObject().put("subject", v.subject()).put("version", v.version()));
                yield list;
            }
            default -> throw RegistryError.notFound(String.join("/", p));
        });
    }

    private Object subjects(Call call, List<String> p) {
        if (p.size() == 1) {
            return only(call, "GET", () -> array(registry.subjects(call.flag("deleted"))));
        }
        String subject = p.get(1);
        if (p.size() == 2) {
            return switch (call.method()) {
                case "POST" -> versionNode(registry.lookup(subject, call.text("schema"), call.text("schemaType"), call.flag("deleted")));
                case "DELETE" -> array(registry.deleteSubject(subject, call.flag("permanent")));
                default -> throw RegistryError.methodNotAllowed(call.method(), String.join("/", p));
            };
        }
        if (!p.get(2).equals("versions")) {
            throw RegistryError.notFound(String.join("/", p));
        }
        if (p.size() == 3) {
            return switch (call.method()) {
                case "GET" -> array(registry.versions(subject, call.flag("deleted")).stream().map(Version::version).toList());
                case "POST" -> json.createObjectNode().put("id", registry.register(subject, call.text("schema"), call.text("schemaType")));
                default -> throw RegistryError.methodNotAllowed(call.method(), String.join("/", p));
            };
        }
        String version = p.get(3);
        if (p.size() == 5 && p.get(4).equals("schema")) {
            return only(call, "GET", () -> registry.version(subject, version, call.flag("deleted")).schema());
        }
        return switch (call.method()) {
            case "GET" -> versionNode(registry.version(subject, version, call.flag("deleted")));
            case "DELETE" -> registry.deleteVersion(subject, version, call.flag("permanent"));
            default -> throw RegistryError.methodNotAllowed(call.method(), String.join("/", p));
        };
    }

    private Object compatibility(Call call, List<String> p) {
        if (p.size() < 4 || !p.get(1).equals("subjects") || !p.get(3).equals("versions")) {
            throw RegistryError.notFound(String.join("/", p));
        }
        String version = p.size() > 4 ? p.get(4) : null;
        return only(call, "POST", () -> {
            List<String> problems = registry.compatibility(p.get(2), version, call.text("schema"), call.text("schemaType"));
            ObjectNode answer = json.createObjectNode().put("is_compatible", problems.isEmpty());
            if (call.flag("verbose")) {
                answer.set("messages", array(problems));
            }
            return answer;
        });
    }

    private Object config(Call call, List<String> p) {
        String subject = p.size() > 1 ? p.get(1) : null;
        return switch (call.method()) {
            case "GET" -> json.createObjectNode().put("compatibilityLevel", (subject == null ? registry.globalLevel()
                    : registry.subjectLevel(subject, call.flag("defaultToGlobal"))).name());
            case "PUT" -> {
                String level = call.text("compatibility");
                if (level == null) {
                    level = call.text("compatibilityLevel");
                }
                if (level == null) {
                    throw RegistryError.invalidCompatibilityLevel("null");
                }
                Compatibility parsed = Compatibility.parse(level);
                registry.setLevel(subject, parsed);
                yield json.createObjectNode().put("compatibility", parsed.name());
            }
            case "DELETE" -> {
                if (subject == null) {
                    throw RegistryError.unsupported("the global compatibility level can be changed but not deleted here");
                }
                yield json.createObjectNode().put("compatibilityLevel", registry.deleteSubjectLevel(subject).name());
            }
            default -> throw RegistryError.methodNotAllowed(call.method(), String.join("/", p));
        };
    }

    private ObjectNode versionNode(Version version) {
        return json.createObjectNode().put("subject", version.subject()).put("version", version.version())
                .put("id", version.id()).put("schema", version.schema());
    }

    private ArrayNode array(List<?> values) {
        ArrayNode array = json.createArrayNode();
        values.forEach(v -> array.addPOJO(v));
        return array;
    }

    private static Object only(Call call, String method, java.util.function.Supplier<Object> answer) {
        if (!call.method().equals(method)) {
            throw RegistryError.methodNotAllowed(call.method(), String.join("/", call.path()));
        }
        return answer.get();
    }

    private Call parse(HttpExchange exchange) throws IOException {
        String rawPath = exchange.getRequestURI().getRawPath();
        List<String> path = Arrays.stream(rawPath.split("/")).filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8)).toList();
        Map<String, String> query = new HashMap<>();
        String rawQuery = exchange.getRequestURI().getRawQuery();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                query.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        JsonNode body = null;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                throw RegistryError.badRequest("request body larger than " + MAX_BODY_BYTES + " bytes");
            }
            if (bytes.length > 0) {
                try {
                    body = json.readTree(bytes);
                } catch (IOException e) {
                    throw RegistryError.badRequest("the request body is not JSON: " + e.getMessage());
                }
            }
        }
        return new Call(exchange.getRequestMethod(), path, query, body);
    }

    private static int parseId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw RegistryError.schemaNotFound("'" + text + "' is not a schema id");
        }
    }
}
