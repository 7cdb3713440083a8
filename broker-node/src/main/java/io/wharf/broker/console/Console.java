package io.wharf.broker.console;

import com.sun.net.httpserver.HttpHandler;
import io.wharf.broker.ControllerChannels;
import io.wharf.broker.MetadataListener;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.queue.QueueFigures;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.broker.ListGroupsResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A broker's live web console (see {@code docs/console.md}): the page, its snapshot API and event
 * stream, served on the broker's HTTP port through {@link #routes}. Thread-safe; owns the
 * controller poller's and the refresher's threads until {@link #close()}; the HTTP threads that
 * serve it belong to the server.
 */
public final class Console implements AutoCloseable {

    /** How often snapshots are rebuilt without a metadata change (rates, heartbeat ages, queue figures). */
    static final Duration REFRESH_INTERVAL = Duration.ofSeconds(1);
    /**
     * How often the controllers are asked; a failover's start is dated from the last heartbeat the
     * latest answer reported, so this bounds how much a shown duration may exceed the real one.
     */
    static final Duration CONTROLLER_POLL_INTERVAL = Duration.ofMillis(500);

    /**
     * @param adminEnabled whether the page may create and delete topics ({@code console.admin.enabled})
     * @param maxClients   pages that may stream at once ({@code console.max.clients})
     */
    public record Settings(boolean adminEnabled, int maxClients) {
    }

    /** The broker's state the console shows; each supplier must be quick and must not block. */
    public record BrokerState(Supplier<MetadataImage> image, Supplier<List<Partition>> hostedReplicas,
                              Supplier<Map<String, QueueFigures>> ledQueues,
                              Supplier<CompletableFuture<ListGroupsResponse>> coordinatedGroups) {
    }

    private final Settings settings;
    private final ControllerChannels controllers;
    private final ConsoleFeed feed;
    private final ControllerPoller poller;
    private final ConsoleRefresher refresher;

    /** Builds the console; nothing runs before {@link #start()}. */
    public Console(int brokerId, Settings settings, BrokerState broker, ControllerChannels controllers, Clock clock) {
        this.settings = settings;
        this.controllers = controllers;
        this.feed = new ConsoleFeed(clock);
        this.poller = new ControllerPoller(brokerId, controllers, feed, clock);
        this.refresher = new ConsoleRefresher(brokerId, settings.adminEnabled(), new ConsoleRefresher.Sources(
                broker.image(), broker.hostedReplicas(), broker.ledQueues(), broker.coordinatedGroups(),
                poller::latest), clock, feed, REFRESH_INTERVAL);
    }

    /** The listener to add to the broker's metadata follower, before it starts, so the timeline sees every image. */
    public MetadataListener metadataListener() {
        return refresher;
    }

    /** Starts polling the controllers and refreshing snapshots. */
    public void start() {
        refresher.start();
        poller.start(CONTROLLER_POLL_INTERVAL);
    }

    /** The HTTP handler for the console's paths; every other path goes to {@code fallback}. */
    public HttpHandler routes(HttpHandler fallback) {
        return new ConsoleRoutes(fallback, feed, new EventStream(feed, settings.maxClients()),
                new TopicAdmin(settings.adminEnabled(), controllers));
    }

    /** Ends the event streams, then the poller's and refresher's threads. */
    @Override
    public void close() {
        feed.close();
        poller.close();
        refresher.close();
    }
}
