package io.wharf.broker.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.wharf.proto.common.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/events}: a server-sent event stream of console snapshots, one {@code snapshot} event
 * per published snapshot, and a comment line when nothing was published for a while (so proxies
 * and the browser see the connection alive). Each stream holds one HTTP thread for its whole life,
 * so at most {@code maxClients} run at once; more are refused with CONSOLE_BUSY. Thread-safe.
 */
final class EventStream implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(EventStream.class);
    private static final long KEEP_ALIVE_MS = 15_000;
    /** How soon the browser reconnects after the stream broke (a restarted broker, say). */
    private static final long RECONNECT_MS = 1000;

    private final ConsoleFeed feed;
    private final int maxClients;
    private final Semaphore clients;

    EventStream(ConsoleFeed feed, int maxClients) {
        this.feed = feed;
        this.maxClients = maxClients;
        this.clients = new Semaphore(maxClients);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        if (!clients.tryAcquire()) {
            try (exchange) {
                JsonAnswer.sendError(exchange, 503, ErrorCode.CONSOLE_BUSY, "this broker already streams to "
                        + maxClients + " console pages (console.max.clients); close one or open another broker's console");
            }
            return;
        }
        feed.streamStarted();
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            write(out, "retry: " + RECONNECT_MS + "\n\n");
            long seen = 0;
            while (!feed.isClosed()) {
                Optional<ConsoleFeed.Update> update = feed.awaitNewerThan(seen, KEEP_ALIVE_MS);
                if (update.isPresent()) {
                    seen = update.get().version();
                    write(out, "event: snapshot\nid: " + seen + "\ndata: " + update.get().json() + "\n\n");
                } else if (!feed.isClosed()) {
                    write(out, ": keep-alive\n\n");
                }
            }
        } catch (IOException e) {
            log.debug("Console event stream to {} ended: {}", exchange.getRemoteAddress(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();  // the server is closing
        } finally {
            feed.streamEnded();
            clients.release();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
