package io.wharf.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Answers {@code /health/live} and {@code /health/ready} of a node's HTTP endpoint (controllers'
 * and brokers' alike), and 404
 * for any other path the Prometheus server does not serve itself ({@code /metrics},
 * {@code /-/healthy}): it is mounted as that server's default handler, which receives every such
 * path. Stateless; the readiness is asked at every ready probe.
 */
public final class HealthHandler implements HttpHandler {

    private static final String LIVE_PATH = "/health/live";
    private static final String READY_PATH = "/health/ready";

    private final Supplier<Optional<String>> notReadyReason;

    /** @param notReadyReason why the node is not ready, empty when it is; must be quick and must not block */
    public HealthHandler(Supplier<Optional<String>> notReadyReason) {
        this.notReadyReason = notReadyReason;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (LIVE_PATH.equals(path)) {
                // Answering at all is the proof of life: nothing here can tell a hung node from a slow one.
                respond(exchange, 200, "{\"status\":\"live\"}");
            } else if (READY_PATH.equals(path)) {
                Optional<String> reason = notReadyReason.get();
                if (reason.isEmpty()) {
                    respond(exchange, 200, "{\"status\":\"ready\"}");
                } else {
                    respond(exchange, 503, "{\"status\":\"not ready\",\"reason\":\"" + jsonEscape(reason.get()) + "\"}");
                }
            } else {
                respond(exchange, 404, "{\"status\":\"not found\",\"paths\":[\"/metrics\",\"" + LIVE_PATH
                        + "\",\"" + READY_PATH + "\"]}");
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = (json + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        boolean head = "HEAD".equalsIgnoreCase(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String jsonEscape(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> escaped.append("\\\"");
                case '\\' -> escaped.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        escaped.append(String.format("\\u%04x", (int) c));
                    } else {
                        escaped.append(c);
                    }
                }
            }
        }
        return escaped.toString();
    }
}
