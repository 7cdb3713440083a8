package io.wharf.controller;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that the leader controller's process is gone within milliseconds and starts an election
 * then, instead of after Ratis's election timer (which alone costs 1–2 × {@code
 * raft.rpc.timeout.min.ms} on every crash).
 *
 * <p>While this controller follows another voter it keeps a connection open to that voter's
 * ControllerService port. When a process dies its kernel closes its sockets, so the connection
 * drops at once; a reconnect that is then <em>refused</em> confirms that nothing listens there any
 * more. (A dropped connection to a live leader reconnects and changes nothing; a leader that hangs
 * or is cut off by the network keeps the connection half-open, and the election timer handles it
 * as before.) Then the surviving voter with the lowest id asks its Raft server for an
 * {@link ImmediateElection}. Only that one does: two survivors standing at once split the vote and
 * cost a whole extra round (measured), so the others keep their election timers, which also cover
 * the case where that survivor is down too or its log is behind.
 *
 * <p>Threading: thread-safe. Owns one scheduler thread, which handles every leader change and
 * connection event, and the channel to the current leader; {@link #close} releases both.
 */
final class LeaderCrashDetector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderCrashDetector.class);

    private final QuorumLayout layout;
    private final ImmediateElection election;
    private final ScheduledExecutorService scheduler;

    // Written on the scheduler thread only; channel is volatile for connectedToLeader().
    private RaftPeerId watchedLeader;
    private volatile ManagedChannel channel;
    private boolean connectionLost;

    LeaderCrashDetector(QuorumLayout layout, ImmediateElection election, int nodeId) {
        this.layout = layout;
        this.election = election;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "wharf-controller-" + nodeId + "-leader-watch");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Ratis named {@code leader} (null during an election) as this controller's leader. Does not block. */
    void leaderChanged(RaftPeerId leader) {
        runOnScheduler(() -> watch(leader));
    }

    private void watch(RaftPeerId leader) {
        if (leader != null && leader.equals(watchedLeader)) {
            return;
        }
        closeChannel();
        watchedLeader = null;
        if (leader == null || leader.equals(layout.self())) {
            return;
        }
        Optional<QuorumVoter> voter = layout.voter(leader);
        if (voter.isEmpty()) {
            return;
        }
        watchedLeader = leader;
        // No RPC ever runs on this channel, so it must not drop the connection for being idle.
        channel = NettyChannelBuilder.forAddress(voter.get().host(), voter.get().rpcPort())
                .usePlaintext()
                .idleTimeout(30, TimeUnit.DAYS)
                .build();
        follow(channel, channel.getState(true));
    }

    private void follow(ManagedChannel watched, ConnectivityState seen) {
        watched.notifyWhenStateChanged(seen, () -> runOnScheduler(() -> stateChanged(watched, seen)));
    }

    private void stateChanged(ManagedChannel watched, ConnectivityState previous) {
        if (watched != channel) {
            return;
        }
        ConnectivityState now = watched.getState(false);
        if (previous == ConnectivityState.READY && now != ConnectivityState.READY) {
            connectionLost = true;
        }
        if (now == ConnectivityState.READY) {
            connectionLost = false;
        } else if (now == ConnectivityState.TRANSIENT_FAILURE && connectionLost) {
            connectionLost = false;
            leaderGone(watchedLeader);
        }
        if (now == ConnectivityState.IDLE) {
            // Reconnect at once: the refusal of this attempt is what tells a dead leader apart.
            now = watched.getState(true);
        }
        if (now != ConnectivityState.SHUTDOWN) {
            follow(watched, now);
        }
    }

    private void leaderGone(RaftPeerId leader) {
        if (!isFirstSurvivor(leader)) {
            return;
        }
        try {
            if (election.startIfStillFollowing(leader)) {
                LOG.info("Controller {}: the process of leader {} is gone (connection closed, reconnect refused); "
                        + "standing for election now", layout.self(), leader);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Controller {} could not start an election after leader {} died; the election timer will",
                    layout.self(), leader, e);
        }
    }

    /** True when this controller has the lowest id among the voters other than {@code deadLeader}. */
    private boolean isFirstSurvivor(RaftPeerId deadLeader) {
        return layout.voters().stream()
                .sorted(Comparator.comparingInt(QuorumVoter::id))
                .map(voter -> QuorumLayout.peerId(voter.id()))
                .filter(peer -> !peer.equals(deadLeader))
                .findFirst()
                .map(layout.self()::equals)
                .orElse(false);
    }

    /** True while this controller holds an open connection to the leader it follows. */
    boolean connectedToLeader() {
        ManagedChannel current = channel;
        return current != null && current.getState(false) == ConnectivityState.READY;
    }

    private void runOnScheduler(Runnable task) {
        try {
            scheduler.execute(task);
        } catch (RejectedExecutionException closing) {
            // Closed: there is no leader to watch any more.
        }
    }

    private void closeChannel() {
        if (channel != null) {
            channel.shutdownNow();
            channel = null;
        }
        connectionLost = false;
    }

    @Override
    public void close() {
        runOnScheduler(this::closeChannel);
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(2, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            scheduler.shutdownNow();
        }
    }
}
