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
 * refresh shows the latest answer. Thread-safe; owns
 * one thread, {@code broker-<id>-console-controllers}, until {@link #close()}: a poll blocks while
 * it goes round the controllers, and must not hold up the console's snapshots meanwhile.
 */
final class ControllerPoller implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControllerPoller.class);

    private final ControllerChannels controllers;
    private final Clock clock;
    private final AtomicReference<ControllerView> latest = new AtomicReference<>(ControllerView.notPolledYet());
    private final ScheduledExecutorService thread;

    ControllerPoller(int brokerId, ControllerChannels controllers, Clock clock) {
        this.controllers = controllers;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread poller = new Thread(runnable, "broker-" + brokerId + "-console-controllers");
            poller.setDaemon(true);
            return poller;
        });
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
        try {
            DescribeClusterResponse answer = controllers.call(ControllerChannels.Target.ANY,
                    stub -> stub.describeCluster(DescribeClusterRequest.getDefaultInstance()), response -> null);
            latest.set(ControllerView.from(answer, clock.millis()));
        } catch (ControllerUnavailableException e) {
            log.debug("Console could not describe the cluster: {}", e.getMessage());
            latest.set(latest.get().failed("no controller answered: " + e.getMessage()));
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: report it on the page and keep polling.
            log.warn("Console failed to describe the cluster", e);
            latest.set(latest.get().failed(e.toString()));
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
