package dev.usageledger.query.http;

import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import java.util.ArrayList;
import java.util.List;

/** Registers routes and remembers them ("GET /v1/..."), so a test can hold the OpenAPI document to them. */
final class RouteTable {
    private final HttpRouting.Builder routing;
    private final List<String> endpoints = new ArrayList<>();

    RouteTable(HttpRouting.Builder routing) {
        this.routing = routing;
    }

    RouteTable get(String path, Handler handler) {
        endpoints.add("GET " + path);
        routing.get(path, handler);
        return this;
    }

    RouteTable post(String path, Handler handler) {
        endpoints.add("POST " + path);
        routing.post(path, handler);
        return this;
    }

    RouteTable put(String path, Handler handler) {
        endpoints.add("PUT " + path);
        routing.put(path, handler);
        return this;
    }

    RouteTable delete(String path, Handler handler) {
        endpoints.add("DELETE " + path);
        routing.delete(path, handler);
        return this;
    }

    List<String> endpoints() {
        return List.copyOf(endpoints);
    }
}
