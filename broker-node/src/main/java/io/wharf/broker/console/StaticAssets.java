package io.wharf.broker.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.wharf.proto.common.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Serves the console page's files from the broker jar ({@code /console/} resources): no CDN, no
 * build step. Only the listed files are served; {@code /} redirects to the page. Stateless.
 */
final class StaticAssets implements HttpHandler {

    static final String PAGE_PATH = "/console/";
    private static final String RESOURCE_DIR = "/console/";
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8");
    private static final Map<String, byte[]> CONTENTS = load();

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/") || path.equals("/console")) {
                exchange.getResponseHeaders().set("Location", PAGE_PATH);
                exchange.sendResponseHeaders(302, -1);
                return;
            }
            String name = path.equals(PAGE_PATH) ? "index.html" : path.substring(PAGE_PATH.length());
            byte[] body = CONTENTS.get(name);
            if (body == null) {
                JsonAnswer.sendError(exchange, 404, ErrorCode.INVALID_REQUEST, "no console file " + path);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", FILES.get(name));
            // The page and the broker are upgraded together: never show an old script with a new API.
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static Map<String, byte[]> load() {
        return Map.copyOf(FILES.keySet().stream().collect(java.util.stream.Collectors.toMap(name -> name, name -> {
            try (InputStream in = StaticAssets.class.getResourceAsStream(RESOURCE_DIR + name)) {
                if (in == null) {
                    throw new IllegalStateException("console resource " + RESOURCE_DIR + name + " is missing from the jar");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read console resource " + RESOURCE_DIR + name, e);
            }
        })));
    }
}
