package io.wharf.controller;

import static io.wharf.controller.QuickPolling.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Fake brokers 1..n registered with a test quorum and heartbeating every 100 ms on one thread this
 * object owns, until {@link #silence} stops one (its session then expires) or {@link #close}.
 */
final class HeartbeatingBrokers implements AutoCloseable {

    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
    private final Set<FakeBroker> beating = ConcurrentHashMap.newKeySet();
    private final List<FakeBroker> brokers = new ArrayList<>();

    /** Registers brokers 1..count (each through the controller of its own id) and waits until all are active. */
    static HeartbeatingBrokers start(InProcessQuorum quorum, int count) {
        List<FakeBroker> brokers = new ArrayList<>();
        for (int id = 1; id <= count; id++) {
            brokers.add(new FakeBroker(quorum, id));
        }
        return start(quorum, brokers);
    }

    /**
     * Registers {@code brokers}, which must be brokers 1..n in order (each through the controller
     * of its own id, or the last one), and waits until all are active.
     */
    static HeartbeatingBrokers start(InProcessQuorum quorum, List<FakeBroker> brokers) {
        HeartbeatingBrokers started = new HeartbeatingBrokers();
        started.heartbeats.scheduleWithFixedDelay(() -> started.beating.forEach(FakeBroker::heartbeat), 0, 100,
                TimeUnit.MILLISECONDS);
        for (FakeBroker broker : brokers) {
            broker.register(Math.min(broker.id(), quorum.ids().size()));
            started.brokers.add(broker);
            started.beating.add(broker);
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> quorum.awaitLeader().image().activeBrokerIds().size() == brokers.size());
        return started;
    }

    /** Broker {@code id} (1-based). */
    FakeBroker broker(int id) {
        return brokers.get(id - 1);
    }

    List<FakeBroker> all() {
        return List.copyOf(brokers);
    }

    /** Stops {@code broker}'s heartbeats. */
    void silence(FakeBroker broker) {
        beating.remove(broker);
    }

    /** Resumes {@code broker}'s heartbeats. */
    void resume(FakeBroker broker) {
        beating.add(broker);
    }

    @Override
    public void close() {
        heartbeats.shutdownNow();
        try {
            heartbeats.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
