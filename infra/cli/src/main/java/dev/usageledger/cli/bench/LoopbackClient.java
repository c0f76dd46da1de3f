package dev.usageledger.cli.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A minimal HTTP/1.1 client over a pool of kept-alive loopback connections, so that a latency
 * benchmark measures the server and the network stack, not a general-purpose client's machinery.
 * It speaks only what the ledger answers: a status line, headers, a Content-Length body.
 */
final class LoopbackClient implements AutoCloseable {
    private final URI base;
    private final BlockingQueue<Connection> idle;

    LoopbackClient(URI base, int connections) throws IOException {
        this.base = base;
        this.idle = new ArrayBlockingQueue<>(connections);
        for (int i = 0; i < connections; i++) {
            idle.add(new Connection(new Socket(base.getHost(), base.getPort())));
        }
    }

    /** Sends a POST with a JSON body and answers the status code; the body is read and dropped. */
    int post(String path, String token, String json) throws IOException, InterruptedException {
        return exchange("POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/json\r\nContent-Length: "
                + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json);
    }

    /** Sends a GET and answers the status code; the body is read and dropped. */
    int get(String path) throws IOException, InterruptedException {
        return exchange("GET " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\n\r\n");
    }

    private int exchange(String request) throws IOException, InterruptedException {
        Connection connection = idle.take();
        try {
            return connection.exchange(request.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            connection = new Connection(new Socket(base.getHost(), base.getPort()));
            throw e;
        } finally {
            idle.add(connection);
        }
    }

    @Override
    public void close() throws IOException {
        for (Connection connection : idle) {
            connection.socket.close();
        }
    }

    private static final class Connection {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            socket.setTcpNoDelay(true);
            this.out = new BufferedOutputStream(socket.getOutputStream());
            this.in = new BufferedInputStream(socket.getInputStream());
        }

        int exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String status = line();
            int code = Integer.parseInt(status.substring(9, 12));
            long length = 0;
            for (String header = line(); !header.isEmpty(); header = line()) {
                if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Long.parseLong(header.substring(15).trim());
                }
            }
            in.skipNBytes(length);
            return code;
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder(64);
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("the server closed the connection");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }
    }
}
