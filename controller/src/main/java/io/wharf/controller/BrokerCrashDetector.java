package io.wharf.controller;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wharf.controller.BrokerCrashRules.Probe;
import io.wharf.controller.BrokerCrashRules.Step;
import io.wharf.controller.BrokerCrashRules.Target;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices within milliseconds that a broker's process is gone, so the active controller can fence
 * it then instead of after {@code broker.session.timeout.ms}.
 *
 * <p>For every registered, unfenced broker of the applied image it keeps a gRPC connection open to
 * the broker's BrokerService endpoint (no RPC ever runs on it). When a process dies its kernel
 * closes its sockets, so the connection drops at once; a plain TCP connect to the same endpoint
 * that is then <em>refused</em> confirms that nothing listens there any more, and the broker is
 * reported gone at the epoch of the registration being watched. A dropped connection to a live
 * broker reconnects; a broker that hangs or is cut off by the network keeps the connection open
 * (or its connects time out), and its session timeout handles it as before. A broker that was
 * never reached (e.g. it advertises an address this controller cannot connect to) is never
 * reported. Every decision is in {@link BrokerCrashRules}; whether a report leads to a fence is
 * decided by the receiver against the image at that moment (see {@link BrokerCrashRules#shouldFence}).
 *
 * <p>Lives as long as one term of leadership (owned by {@link LeaderDuties}). The watched set
 * follows the applied image: each new image schedules one reconciliation (coalesced), which opens
 * channels to new or re-registered brokers and closes those to fenced, unregistered or superseded
 * registrations; a new epoch always gets a new channel, so events of an old incarnation's
 * connection are never attributed to a new one.
 *
 * <p>Threading: thread-safe. Owns one thread, {@code wharf-controller-<id>-broker-crash-detector},
 * on which every reconciliation, connection event and probe runs, and one channel per watched
 * broker; {@link #close} releases all of them.
 */
final class BrokerCrashDetector implements AutoCloseable {

    /** Receives the brokers seen gone; must not block for long. */
    interface GoneBrokers {
        void brokerGone(int brokerId, long epoch);
    }

    private static final Logger LOG = LoggerFactory.getLogger(BrokerCrashDetector.class);
    /**
     * How long a confirming connect may take. A refusal on a live network comes back within a
     * round trip; a connect that takes longer than this proves nothing either way.
     */
    private static final int PROBE_TIMEOUT_MS = 500;

    private final int nodeId;
    private final AppliedMetadata applied;
    private final GoneBrokers gone;
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean reconcileScheduled = new AtomicBoolean();
    private final Runnable imageListener = this::imageChanged;
    // Changed on the scheduler thread only; concurrent for watchedBrokers() and close().
    private final Map<Integer, Watch> watches = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** One watched registration and its connection. {@code armed} is touched on the scheduler thread only. */
    private static final class Watch {
        final Target target;
        final ManagedChannel channel;
        boolean armed;

        Watch(Target target, ManagedChannel channel) {
            this.target = target;
            this.channel = channel;
        }
    }

    BrokerCrashDetector(int nodeId, AppliedMetadata applied, GoneBrokers gone) {
        this.nodeId = nodeId;
        this.applied = applied;
        this.gone = gone;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "wharf-controller-" + nodeId + "-broker-crash-detector");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts watching the brokers of the current image and of every image applied from now on. Does not block. */
    void start() {
        applied.addImageListener(imageListener);
        imageChanged();
    }

    /** Called on the apply thread for every new image: schedules one reconciliation unless one is pending. */
    private void imageChanged() {
        if (!closed && reconcileScheduled.compareAndSet(false, true)) {
            runOnScheduler(() -> {
                reconcileScheduled.set(false);
                reconcile();
            });
        }
    }

    private void reconcile() {
        if (closed) {
            return;
        }
        Map<Integer, Target> targets = BrokerCrashRules.targets(applied.image());
        for (Watch watch : List.copyOf(watches.values())) {
            if (!watch.target.equals(targets.get(watch.target.brokerId()))) {
                watches.remove(watch.target.brokerId());
                watch.channel.shutdownNow();
            }
        }
        for (Target target : targets.values()) {
            if (!watches.containsKey(target.brokerId())) {
                watch(target);
            }
        }
    }

    private void watch(Target target) {
        ManagedChannel channel;
        try {
            // No RPC ever runs on this channel, so it must not drop the connection for being idle.
            channel = NettyChannelBuilder.forAddress(target.host(), target.port())
                    .usePlaintext()
                    .idleTimeout(30, TimeUnit.DAYS)
                    .build();
        } catch (RuntimeException e) {
            LOG.warn("Controller {}: cannot watch broker {} at {}:{}; its session timeout alone will tell a crash",
                    nodeId, target.brokerId(), target.host(), target.port(), e);
            return;
        }
        Watch watch = new Watch(target, channel);
        watches.put(target.brokerId(), watch);
        follow(watch, channel.getState(true));
    }

    private void follow(Watch watch, ConnectivityState seen) {
        watch.channel.notifyWhenStateChanged(seen, () -> runOnScheduler(() -> stateChanged(watch, seen)));
    }

    private void stateChanged(Watch watch, ConnectivityState previous) {
        if (closed || watches.get(watch.target.brokerId()) != watch) {
            return;  // closed, or superseded by a newer registration
        }
        ConnectivityState now = watch.channel.getState(false);
        Step step = BrokerCrashRules.onStateChange(watch.armed, previous, now);
        watch.armed = step.armed();
        if (step.probe() && probe(watch.target) == Probe.REFUSED) {
            watch.armed = false;
            LOG.info("Controller {}: broker {} (epoch {}) is gone: its connection closed and {}:{} refuses"
                    + " connections", nodeId, watch.target.brokerId(), watch.target.epoch(), watch.target.host(),
                    watch.target.port());
            try {
                gone.brokerGone(watch.target.brokerId(), watch.target.epoch());
            } catch (RuntimeException e) {
                LOG.warn("Controller {}: acting on broker {}'s crash failed; its session timeout will",
                        nodeId, watch.target.brokerId(), e);
            }
        }
        if (step.reconnect()) {
            now = watch.channel.getState(true);
        }
        if (now != ConnectivityState.SHUTDOWN) {
            follow(watch, now);
        }
    }

    /** One plain TCP connect to the broker's endpoint, bounded by {@link #PROBE_TIMEOUT_MS}. */
    static Probe probe(Target target) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(target.host(), target.port()), PROBE_TIMEOUT_MS);
            return Probe.ACCEPTED;
        } catch (ConnectException e) {
            // ECONNREFUSED, or the kernel's own connect timeout (which the bound above pre-empts).
            // Unreachable hosts and networks and unknown names are other IOExceptions.
            String message = e.getMessage();
            return message != null && message.contains("timed out") ? Probe.NO_ANSWER : Probe.REFUSED;
        } catch (IOException | RuntimeException e) {
            return Probe.NO_ANSWER;
        }
    }

    /** The brokers (id to epoch) this detector holds an open connection to right now; for tests. */
    Map<Integer, Long> connectedBrokers() {
        Map<Integer, Long> connected = new TreeMap<>();
        for (Watch watch : watches.values()) {
            if (watch.channel.getState(false) == ConnectivityState.READY) {
                connected.put(watch.target.brokerId(), watch.target.epoch());
            }
        }
        return connected;
    }

    private void runOnScheduler(Runnable task) {
        try {
            scheduler.execute(task);
        } catch (RejectedExecutionException closing) {
            // Closed: nothing to watch any more.
        }
    }

    /** Stops watching: removes the image listener, stops the thread and closes every channel. */
    @Override
    public void close() {
        closed = true;
        applied.removeImageListener(imageListener);
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(2, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            scheduler.shutdownNow();
        }
        List<ManagedChannel> channels = new ArrayList<>();
        for (Watch watch : watches.values()) {
            channels.add(watch.channel);
            watch.channel.shutdownNow();
        }
        watches.clear();
        for (ManagedChannel channel : channels) {
            try {
                if (!channel.awaitTermination(1, TimeUnit.SECONDS)) {
                    LOG.warn("Controller {}: a broker watch channel did not close within 1 s", nodeId);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
