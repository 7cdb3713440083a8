package io.wharf.controller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Loopback ports for tests that must name a port before anything listens on it (Raft peers,
 * gRPC endpoints written into configs). Asking the OS for port 0 and closing the socket at once
 * can hand the same port out twice when two are asked for in a row; this class never hands a
 * port out twice in one JVM, and it holds every socket of one request open until all are found.
 * Shared with {@code broker-node}'s tests through this module's test jar.
 */
public final class FreePorts {

    private static final Set<Integer> HANDED_OUT = new HashSet<>();

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
            while (found < count) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
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
}
