package io.wharf.controller;

import static io.wharf.controller.QuickPolling.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wharf.proto.controller.ControllerServiceGrpc;
import io.wharf.proto.controller.ControllerServiceGrpc.ControllerServiceBlockingStub;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A quorum of controllers in this JVM on free loopback ports, for tests: start, stop and restart
 * single controllers, find the active one, and talk gRPC to any of them. Single-threaded (the
 * test's thread); owns every node and channel it made and closes them in {@link #close}.
 */
final class InProcessQuorum implements AutoCloseable {

    private final Path baseDir;
    private final Map<String, String> overrides;
    private final Map<Integer, int[]> ports = new LinkedHashMap<>();
    private final Map<Integer, ControllerNode> nodes = new HashMap<>();
    private final Map<Integer, ManagedChannel> channels = new HashMap<>();

    /** @param overrides config keys applied to every controller on top of the test defaults */
    InProcessQuorum(int size, Path baseDir, Map<String, String> overrides) {
        this.baseDir = baseDir;
        this.overrides = Map.copyOf(overrides);
        for (int id = 1; id <= size; id++) {
            ports.put(id, FreePorts.take(2));
        }
    }

    String voters() {
        return ports.entrySet().stream()
                .map(e -> e.getKey() + "@127.0.0.1:" + e.getValue()[0] + ":" + e.getValue()[1])
                .collect(Collectors.joining(","));
    }

    ControllerConfig config(int id) {
        Map<String, String> values = new HashMap<>();
        values.put(ControllerConfig.NODE_ID, Integer.toString(id));
        values.put(ControllerConfig.QUORUM_VOTERS, voters());
        values.put(ControllerConfig.DATA_DIR, baseDir.resolve("controller-" + id).toString());
        values.putAll(overrides);
        return ControllerConfig.fromMap(values);
    }

    InProcessQuorum startAll() {
        for (int id : ports.keySet()) {
            start(id);
        }
        return this;
    }

    ControllerNode start(int id) {
        if (nodes.containsKey(id)) {
            throw new IllegalStateException("controller " + id + " is running");
        }
        ControllerNode node = new ControllerNode(config(id));
        try {
            node.start();
        } catch (IOException e) {
            node.close();
            throw new UncheckedIOException(e);
        }
        nodes.put(id, node);
        return node;
    }

    /** Closes controller {@code id} (a clean stop: a leader hands over first). */
    void stop(int id) {
        ControllerNode node = nodes.remove(id);
        if (node != null) {
            node.close();
        }
    }

    /** Stops controller {@code id} as a crash would look to its peers: no leadership handover. */
    void crash(int id) {
        ControllerNode node = nodes.remove(id);
        if (node != null) {
            node.closeWithoutHandover();
        }
    }

    ControllerNode node(int id) {
        ControllerNode node = nodes.get(id);
        if (node == null) {
            throw new IllegalStateException("controller " + id + " is not running");
        }
        return node;
    }

    List<ControllerNode> running() {
        return new ArrayList<>(nodes.values());
    }

    List<Integer> ids() {
        return new ArrayList<>(ports.keySet());
    }

    /** Waits until exactly one running controller is active and returns it. */
    ControllerNode awaitLeader() {
        return await().atMost(Duration.ofSeconds(20)).until(this::activeNode, Optional::isPresent).orElseThrow();
    }

    private Optional<ControllerNode> activeNode() {
        List<ControllerNode> active = nodes.values().stream().filter(ControllerNode::isActive).toList();
        return active.size() == 1 ? Optional.of(active.get(0)) : Optional.empty();
    }

    /** Some running controller that is not the active one. */
    ControllerNode aFollower() {
        ControllerNode leader = awaitLeader();
        return nodes.values().stream().filter(node -> node != leader).findFirst().orElseThrow();
    }

    /** Waits until every running controller holds the same image as the active one. */
    void awaitConverged() {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ControllerNode leader = awaitLeader();
            return nodes.values().stream().allMatch(node -> node.image().equals(leader.image()));
        });
    }

    int rpcPort(int id) {
        return ports.get(id)[0];
    }

    /** A blocking stub for controller {@code id} with a generous deadline. */
    ControllerServiceBlockingStub stub(int id) {
        ManagedChannel channel = channels.computeIfAbsent(id,
                key -> NettyChannelBuilder.forAddress("127.0.0.1", rpcPort(key)).usePlaintext().build());
        return ControllerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(15, TimeUnit.SECONDS);
    }

    ControllerServiceGrpc.ControllerServiceStub asyncStub(int id) {
        stub(id);
        return ControllerServiceGrpc.newStub(channels.get(id));
    }

    /**
     * Stops every running controller at once, the way {@link #crash} does: a leader handing over to
     * a peer that is itself stopping could only wait out the transfer timeout (a second per test).
     */
    @Override
    public void close() {
        for (ManagedChannel channel : channels.values()) {
            channel.shutdownNow();
        }
        // In parallel: closing a Ratis server and its clients takes half a second or more each.
        List<Thread> closers = new ArrayList<>();
        for (ControllerNode node : nodes.values()) {
            Thread closer = new Thread(node::closeWithoutHandover, "close-controller-" + node.nodeId());
            closer.start();
            closers.add(closer);
        }
        for (Thread closer : closers) {
            try {
                closer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        nodes.clear();
        for (ManagedChannel channel : channels.values()) {
            try {
                channel.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
