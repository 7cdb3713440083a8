package io.wharf.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void portsAreDistinctBindableAndBelowTheEphemeralRange() throws IOException {
        int[] first = FreePorts.take(40);
        int[] second = FreePorts.take(40);
        Set<Integer> all = new HashSet<>();
        Arrays.stream(first).forEach(all::add);
        Arrays.stream(second).forEach(all::add);
        assertEquals(80, all.size(), "a port was handed out twice: " + all);
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (Files.isReadable(range)) {
            int ephemeralLow = Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0]);
            assertTrue(ephemeralLow >= 1024, "the ephemeral range's first port read as " + ephemeralLow);
            if (ephemeralLow > FreePorts.WINDOW_START) {
                for (int port : all) {
                    assertTrue(port >= FreePorts.WINDOW_START && port < Math.min(FreePorts.WINDOW_END, ephemeralLow),
                            () -> port + " is outside the window below the ephemeral range " + ephemeralLow);
                }
            }
        }
        for (int port : all) {
            try (ServerSocket bound = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(port, bound.getLocalPort());
            }
        }
    }
}
