package io.wharf.broker.console;

import io.wharf.broker.ControllerChannels;
import io.wharf.broker.ControllerUnavailableException;
import io.wharf.proto.controller.DescribeClusterRequest;
import io.wharf.proto.controller.DescribeClusterResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the controllers to describe the cluster at a fixed interval, for the console's controller
 * table and brokers' heartbeat ages (which only the active controller knows); the console's next
 * refresh shows the latest answer. Every poll gets the heartbeat ages, which date failovers on the
 * timeline whether or not anyone watches. The controllers' own rows cost the answering controller
 * a probe of each peer, so they are asked for only while a page watches ({@link #controllersDue}).
 * Thread-safe; owns one thread, {@code broker-<id>-console-controllers}, until {@link #close()}: a
 * poll blocks while it goes round the controllers, and must not hold up the console's snapshots meanwhile.
 */
final class ControllerPoller implements AutoCloseable {

    /** How long after the last snapshot read through the API the console still counts as watched. */
    static final long WATCHED_FOR_MS = 5_000;
    /** How old the controllers' rows may grow while nobody watches. */
    static final long UNWATCHED_CONTROLLERS_MAX_AGE_MS = 30_000;

    private static final Logger log = LoggerFactory.getLogger(ControllerPoller.class);
    private static final DescribeClusterRequest FULL = DescribeClusterRequest.getDefaultInstance();
    private static final DescribeClusterRequest BROKERS_ONLY = DescribeClusterRequest.newBuilder().setBrokersOnly(true).build();

    private final ControllerChannels controllers;
    private final ConsoleFeed feed;
    private final Clock clock;
    private final AtomicReference<ControllerView> latest = new AtomicReference<>(ControllerView.notPolledYet());
    private final ScheduledExecutorService thread;

    ControllerPoller(int brokerId, ControllerChannels controllers, ConsoleFeed feed, Clock clock) {
        this.controllers = controllers;
        this.feed = feed;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread poller = new Thread(runnable, "broker-" + brokerId + "-console-controllers");
            poller.setDaemon(true);
            return poller;
        });
    }

    /**
     * Whether the next poll asks for the controllers' rows too: while a page watches, when the rows
     * are older than {@link #UNWATCHED_CONTROLLERS_MAX_AGE_MS}, and when the latest answer named a
     * leader the rows do not show (so a page opened after a controller failover starts right).
     */
    static boolean controllersDue(ControllerView view, boolean watched, long nowMs) {
        return watched || view.nodesPolledAtMs() == 0 || view.leaderMoved()
                || nowMs - view.nodesPolledAtMs() >= UNWATCHED_CONTROLLERS_MAX_AGE_MS;
    }

    /** Polls now, then {@code interval} after each poll ends. */
    void start(Duration interval) {
        thread.scheduleWithFixedDelay(this::poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The latest answer (or the last one, marked with why the latest poll failed). */
    ControllerView latest() {
        return latest.get();
    }

    private void poll() {
        ControllerView previous = latest.get();
        long nowMs = clock.millis();
        boolean full = controllersDue(previous, feed.watchedSince(nowMs - WATCHED_FOR_MS), nowMs);
        try {
            DescribeClusterResponse answer = controllers.call(ControllerChannels.Target.ANY,
                    stub -> stub.describeCluster(full ? FULL : BROKERS_ONLY), response -> null);
            latest.set(full ? ControllerView.from(answer, clock.millis()) : previous.withBrokers(answer, clock.millis()));
        } catch (ControllerUnavailableException e) {
            log.debug("Console could not describe the cluster: {}", e.getMessage());
            latest.set(previous.failed("no controller answered: " + e.getMessage()));
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: report it on the page and keep polling.
            log.warn("Console failed to describe the cluster", e);
            latest.set(previous.failed(e.toString()));
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Console controller poller did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
