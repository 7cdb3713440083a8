package io.wharf.controller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for tests that must name a port before anything listens on it (Raft peers,
 * gRPC endpoints written into configs). A port the OS hands out for port 0 lies in the ephemeral
 * range, which the kernel also gives every outgoing connection as its local port: between the
 * probe and the test's own bind, any connection of the build (a previous test's client, the next
 * one's) could take it, and the bind then fails with "Address already in use". So ports are
 * picked below the ephemeral range (read from {@code /proc/sys/net/ipv4/ip_local_port_range}),
 * where only an explicit bind takes a port, starting at a random place so that two JVMs (a build
 * right after another) seldom walk the same ports; the local cluster's and the process-cluster
 * tests' fixed ports (17000–18399, 27000–31399) are outside {@link #WINDOW_START}–{@link #WINDOW_END}.
 * Where that window is empty, ports come from port 0 as before. A port is never handed out twice
 * in one JVM, and every probe socket of one request is held open until all are found.
 * Shared with {@code broker-node}'s tests through this module's test jar.
 */
public final class FreePorts {

    /** First port of the window tried below the ephemeral range. */
    static final int WINDOW_START = 20_000;
    /** End (exclusive) of that window: RabbitMQ's inter-node port, 25672, stays outside it. */
    static final int WINDOW_END = 25_000;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    private static final Set<Integer> HANDED_OUT = new HashSet<>();
    private static final int WINDOW_LIMIT = Math.min(WINDOW_END, ephemeralLow());
    private static int next = WINDOW_LIMIT > WINDOW_START
            ? ThreadLocalRandom.current().nextInt(WINDOW_START, WINDOW_LIMIT) : 0;

    private FreePorts() {
    }

    /** One loopback port that was free a moment ago and was never returned before in this JVM. */
    public static int one() {
        return take(1)[0];
    }

    /** {@code count} distinct loopback ports, none returned before in this JVM. */
    public static synchronized int[] take(int count) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            int found = 0;
            int windowTries = WINDOW_LIMIT - WINDOW_START;  // none when the window is empty
            while (found < count) {
                ServerSocket socket = windowTries-- > 0
                        ? probe(nextInWindow()) : new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                if (socket == null) {
                    continue;
                }
                held.add(socket);
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    ports[found++] = socket.getLocalPort();
                }
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot release probe socket " + socket, e);
                }
            }
        }
    }

    private static int nextInWindow() {
        int port = next;
        next = next + 1 < WINDOW_LIMIT ? next + 1 : WINDOW_START;
        return port;
    }

    /** A socket bound to {@code port}, or null when something else holds it (or held it in this JVM). */
    private static ServerSocket probe(int port) {
        if (HANDED_OUT.contains(port)) {
            return null;
        }
        try {
            return new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            return null;  // taken: the next port is tried
        }
    }

    /** The first port of the kernel's ephemeral range; Linux's default where it cannot be read. */
    private static int ephemeralLow() {
        try {
            // Line by line: Files.readString gets only the first byte of this procfs file on Java 17.
            String[] range = Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
