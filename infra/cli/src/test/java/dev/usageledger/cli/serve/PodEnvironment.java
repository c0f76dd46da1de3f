package dev.usageledger.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The manifests of infra/k8s read as the kubelet reads them for a container's environment:
 * literal values with {@code $(VAR)} expanded from the entries before, field references from
 * given pod fields, secret references from the Secret in the same manifests. Anything else fails
 * the test rather than being guessed.
 */
final class PodEnvironment {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private final List<JsonNode> documents;

    private PodEnvironment(List<JsonNode> documents) {
        this.documents = documents;
    }

    static PodEnvironment read(Path manifests) throws IOException {
        try (var values = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class).<JsonNode>readValues(manifests.toFile())) {
            return new PodEnvironment(values.readAll());
        }
    }

    /** The pod template's spec of the StatefulSet {@code name}. */
    JsonNode podSpec(String statefulSet) {
        return documents.stream().filter(d -> "StatefulSet".equals(d.path("kind").asText())
                        && statefulSet.equals(d.path("metadata").path("name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no StatefulSet " + statefulSet))
                .path("spec").path("template").path("spec");
    }

    /** The environment of the StatefulSet's container {@code container}, given the values of the pod fields it refers to. */
    Map<String, String> of(String statefulSet, String container, Map<String, String> podFields) {
        JsonNode spec = podSpec(statefulSet);
        JsonNode found = null;
        for (JsonNode c : spec.path("containers")) {
            if (container.equals(c.path("name").asText())) {
                found = c;
            }
        }
        if (found == null) {
            throw new AssertionError("no container " + container + " in StatefulSet " + statefulSet);
        }
        Map<String, String> environment = new LinkedHashMap<>();
        for (JsonNode entry : found.path("env")) {
            environment.put(entry.path("name").asText(), value(entry, environment, podFields));
        }
        return environment;
    }

    private String value(JsonNode entry, Map<String, String> before, Map<String, String> podFields) {
        if (entry.has("value")) {
            return expand(entry.path("value").asText(), before);
        }
        JsonNode from = entry.path("valueFrom");
        if (from.has("fieldRef")) {
            String path = from.path("fieldRef").path("fieldPath").asText();
            if (!podFields.containsKey(path)) {
                throw new AssertionError(entry.path("name").asText() + " refers to the pod field " + path + ", which the test does not give");
            }
            return podFields.get(path);
        }
        if (from.has("secretKeyRef")) {
            return secret(from.path("secretKeyRef").path("name").asText(), from.path("secretKeyRef").path("key").asText());
        }
        throw new AssertionError("cannot resolve the environment entry " + entry);
    }

    private String secret(String name, String key) {
        for (JsonNode d : documents) {
            if ("Secret".equals(d.path("kind").asText()) && name.equals(d.path("metadata").path("name").asText())) {
                if (d.path("stringData").has(key)) {
                    return d.path("stringData").path(key).asText();
                }
                if (d.path("data").has(key)) {
                    return new String(Base64.getDecoder().decode(d.path("data").path(key).asText()), StandardCharsets.UTF_8);
                }
            }
        }
        throw new AssertionError("no key " + key + " in a Secret " + name + " of the manifests");
    }

    /** Kubernetes' dependent variables: $(NAME) of an entry defined before is replaced, any other is left as it is. */
    private static String expand(String value, Map<String, String> before) {
        Matcher m = REFERENCE.matcher(value);
        StringBuilder expanded = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(expanded, Matcher.quoteReplacement(before.getOrDefault(m.group(1), m.group())));
        }
        return m.appendTail(expanded).toString();
    }
}
