package dev.usageledger.infra.embedded.registry;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A schema registry that speaks the Confluent Schema Registry REST API (the subset clients use:
 * subjects, versions, ids, compatibility, config), keeps its schemas in a compacted Kafka topic
 * so ids survive a restart, and checks compatibility with Avro's own rules (BACKWARD unless
 * configured otherwise). One instance writes; it is meant for the dev stack and tests.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {
    /** Confluent's default topic name. */
    public static final String DEFAULT_TOPIC = "_schemas";

    private final SchemaLog log;
    private final HttpServer server;
    private final ExecutorService executor;

    private EmbeddedSchemaRegistry(SchemaLog log, HttpServer server, ExecutorService executor) {
        this.log = log;
        this.server = server;
        this.executor = executor;
    }

    /** Starts on a free loopback port, storing in {@code _schemas}. */
    public static EmbeddedSchemaRegistry start(String bootstrapServers) {
        return start(bootstrapServers, "127.0.0.1", 0, DEFAULT_TOPIC);
    }

    /**
     * Starts the registry: replays {@code topic} (created if missing) and then serves HTTP on
     * {@code host:port} ({@code port} 0 picks a free one).
     */
    public static EmbeddedSchemaRegistry start(String bootstrapServers, String host, int port, String topic) {
        RegistryState state = new RegistryState(Compatibility.BACKWARD);
        SchemaLog log = new SchemaLog(bootstrapServers, topic, state);
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
            ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
            server.setExecutor(executor);
            server.createContext("/", new RegistryHttp(new RegistryService(state, log)));
            server.start();
            return new EmbeddedSchemaRegistry(log, server, executor);
        } catch (IOException e) {
            log.close();
            throw new UncheckedIOException("the schema registry cannot listen on " + host + ":" + port
                    + " (" + e.getMessage() + "); pick another port", e);
        }
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        InetSocketAddress address = server.getAddress();
        return "http://" + address.getHostString() + ":" + address.getPort();
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        log.close();
    }
}
