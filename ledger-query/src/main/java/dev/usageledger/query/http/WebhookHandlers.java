package dev.usageledger.query.http;

import dev.usageledger.query.state.StateUnavailableException;
import dev.usageledger.query.webhooks.Delivery;
import dev.usageledger.query.webhooks.Signatures;
import dev.usageledger.query.webhooks.Webhook;
import dev.usageledger.query.webhooks.Webhooks;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * {@code PUT/GET/DELETE /v1/tenants/{t}/webhooks/{id}}, the tenant's list, and a webhook's
 * deliveries. The secret is write-only: answers say whether one is set, never what it is.
 */
final class WebhookHandlers {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    /** The body of a PUT. */
    record WebhookBody(String url, String secret, List<Integer> thresholds, List<String> policies, String format) {
    }

    private final Webhooks webhooks;
    private final ApiSettings settings;

    WebhookHandlers(Webhooks webhooks, ApiSettings settings) {
        this.webhooks = webhooks;
        this.settings = settings;
    }

    void register(RouteTable routing) {
        routing.get("/v1/tenants/{tenant}/webhooks", this::list)
                .put("/v1/tenants/{tenant}/webhooks/{id}", this::put)
                .get("/v1/tenants/{tenant}/webhooks/{id}", this::get)
                .delete("/v1/tenants/{tenant}/webhooks/{id}", this::delete)
                .get("/v1/tenants/{tenant}/webhooks/{id}/deliveries", this::deliveries);
    }

    private void put(ServerRequest request, ServerResponse response) {
        String tenant = tenant(request);
        String id = id(request);
        WebhookBody body = Json.read(Exchange.body(request, settings.maxBodyBytes()), WebhookBody.class);
        if (body.url() == null) {
            throw ApiException.invalid("url", "url is required: where the breaches are POSTed");
        }
        try {
            webhooks.targets().check(body.url());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("url", e.getMessage());
        }
        try {
            Signatures.key(body.secret());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("secret", e.getMessage());
        }
        String format = body.format() == null ? Webhook.STANDARD : body.format();
        if (!format.equals(Webhook.STANDARD) && !format.equals(Webhook.SLACK)) {
            throw ApiException.invalid("format", "format must be standard or slack, got '" + format + "'");
        }
        if (body.thresholds() != null) {
            for (Integer threshold : body.thresholds()) {
                if (threshold == null || threshold < 1 || threshold > 1_000) {
                    throw ApiException.invalid("thresholds", "thresholds are percentages 1..1000, got " + threshold);
                }
            }
        }
        String now = settings.clock().instant().truncatedTo(ChronoUnit.MILLIS).toString();
        Webhook webhook = new Webhook(tenant, id, body.url(), body.secret(), body.thresholds(), body.policies(), format, null, now, now);
        boolean applied = write(() -> webhooks.put(webhook, settings.bookWait()));
        Webhook stored = webhooks.get(tenant, id); // as written, with the offsets it starts after
        Exchange.send(response, applied ? 200 : 202, view(stored != null ? stored : webhook));
    }

    private void get(ServerRequest request, ServerResponse response) {
        Exchange.send(response, 200, view(existing(request)));
    }

    private void list(ServerRequest request, ServerResponse response) {
        Exchange.send(response, 200, Map.of("webhooks", webhooks.of(tenant(request)).stream().map(WebhookHandlers::view).toList()));
    }

    private void delete(ServerRequest request, ServerResponse response) {
        Webhook webhook = existing(request);
        boolean applied = write(() -> webhooks.delete(webhook.tenantId(), webhook.webhookId(), settings.bookWait()));
        Exchange.send(response, applied ? 200 : 202, Map.of("webhook_id", webhook.webhookId(), "deleted", true));
    }

    private void deliveries(ServerRequest request, ServerResponse response) {
        Webhook webhook = existing(request);
        List<Map<String, Object>> views = webhooks.deliveries(webhook.tenantId(), webhook.webhookId()).stream()
                .map(WebhookHandlers::view).toList();
        Exchange.send(response, 200, Map.of("webhook_id", webhook.webhookId(), "deliveries", views));
    }

    private Webhook existing(ServerRequest request) {
        String tenant = tenant(request);
        String id = id(request);
        Webhook webhook = webhooks.get(tenant, id);
        if (webhook == null) {
            throw ApiException.notFound("no webhook " + id + " for tenant " + tenant);
        }
        return webhook;
    }

    private interface Write {
        boolean run() throws Exception;
    }

    private static boolean write(Write write) {
        try {
            return write.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailableException("interrupted while writing the webhook", 1_000);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            throw new StateUnavailableException("the webhook was not acknowledged by Kafka in time (" + e + "); retry, the write is"
                    + " idempotent", 1_000);
        } catch (Exception e) {
            throw new StateUnavailableException("the webhook could not be written (" + e + "); retry", 1_000);
        }
    }

    private static Map<String, Object> view(Webhook webhook) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("webhook_id", webhook.webhookId());
        view.put("tenant_id", webhook.tenantId());
        view.put("url", webhook.url());
        view.put("secret_set", webhook.secret() != null);
        view.put("thresholds", webhook.thresholds());
        view.put("policies", webhook.policies());
        view.put("format", webhook.format());
        view.put("created_at", webhook.createdAt());
        view.put("updated_at", webhook.updatedAt());
        return view;
    }

    private static Map<String, Object> view(Delivery delivery) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("breach_id", delivery.breachId());
        view.put("status", delivery.status());
        view.put("attempts", delivery.attempts().stream().map(a -> {
            Map<String, Object> attempt = new LinkedHashMap<>();
            attempt.put("at", a.at());
            attempt.put("status_code", a.statusCode());
            attempt.put("error", a.error());
            return attempt;
        }).toList());
        view.put("next_retry_at", delivery.nextRetryAt());
        view.put("breaches_partition", delivery.partition());
        view.put("breaches_offset", delivery.offset());
        return view;
    }

    private static String tenant(ServerRequest request) {
        String tenant = request.path().pathParameters().get("tenant");
        Callers.of(request).requireTenant(tenant);
        return tenant;
    }

    private static String id(ServerRequest request) {
        String id = request.path().pathParameters().get("id");
        if (!ID.matcher(id).matches()) {
            throw ApiException.invalid("id", "a webhook id is 1-100 letters, digits, '.', '_' or '-', got '" + id + "'");
        }
        return id;
    }
}
