package io.wharf.broker.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.wharf.proto.common.ErrorCode;
import java.io.IOException;

/**
 * Dispatches the broker HTTP server's paths other than {@code /metrics}: the console page
 * ({@code /}, {@code /console/...}), its API ({@code /api/snapshot}, {@code /api/events},
 * {@code /api/topics}) and everything else (the health probes) to {@code fallback}. Stateless.
 */
public final class ConsoleRoutes implements HttpHandler {

    private final HttpHandler fallback;
    private final StaticAssets assets = new StaticAssets();
    private final ConsoleFeed feed;
    private final EventStream events;
    private final TopicAdmin admin;

    ConsoleRoutes(HttpHandler fallback, ConsoleFeed feed, EventStream events, TopicAdmin admin) {
        this.fallback = fallback;
        this.feed = feed;
        this.events = events;
        this.admin = admin;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/") || path.equals("/console") || path.startsWith(StaticAssets.PAGE_PATH)) {
            assets.handle(exchange);
        } else if (path.equals("/api/events")) {
            events.handle(exchange);
        } else if (path.equals("/api/snapshot")) {
            snapshot(exchange);
        } else if (path.equals(TopicAdmin.PATH) || path.startsWith(TopicAdmin.PATH + "/")) {
            admin.handle(exchange);
        } else {
            fallback.handle(exchange);
        }
    }

    private void snapshot(HttpExchange exchange) throws IOException {
        try (exchange) {
            var latest = feed.latest();
            if (latest.isPresent()) {
                JsonAnswer.send(exchange, 200, latest.get().json());
            } else {
                JsonAnswer.sendError(exchange, 503, ErrorCode.REQUEST_TIMED_OUT,
                        "the console has no snapshot yet: the broker is starting");
            }
        }
    }
}
