package io.wharf.controller;

import static io.wharf.controller.QuickPolling.await;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A controller's start runs Raft's start on a worker beside building its own gRPC server: a
 * failure of either fails {@link ControllerNode#start} with an IOException saying what failed, and
 * the node closes afterwards. (A Raft port in use is not among them: Ratis then exits the JVM.)
 */
@Timeout(60)
class ControllerStartTest {

    @TempDir
    Path dir;

    @Test
    void raftStorageInUseFailsTheStartWithAnIOExceptionAndTheNodeStillCloses() throws IOException {
        InProcessQuorum running = new InProcessQuorum(1, dir, Map.of(ControllerConfig.METRICS_PORT, "-1"));
        ControllerNode first = new ControllerNode(running.config(1));
        first.start();
        try {
            // Other ports, the same data directory, whose Raft storage the first controller holds.
            ControllerConfig sameStorage = new InProcessQuorum(1, dir, Map.of(ControllerConfig.METRICS_PORT, "-1")).config(1);
            ControllerNode second = new ControllerNode(sameStorage);
            IOException failure = assertThrows(IOException.class, second::start);
            assertTrue(failure.getMessage().startsWith("controller 1 could not start Raft: Failed to lock storage "),
                    failure.getMessage());
            assertTrue(failure.getMessage().endsWith("already locked"), failure.getMessage());
            await().atMost(Duration.ofSeconds(20)).until(first::isActive);  // the controller holding the storage is unharmed
            second.close();
        } finally {
            first.close();
        }
    }

    @Test
    void aServicePortInUseFailsTheStartWithAnIOExceptionAndTheNodeStillCloses() throws IOException {
        InProcessQuorum quorum = new InProcessQuorum(1, dir, Map.of(ControllerConfig.METRICS_PORT, "-1"));
        ControllerConfig config = quorum.config(1);
        try (ServerSocket taken = bind(config.self().rpcPort())) {
            ControllerNode node = new ControllerNode(config);
            IOException failure = assertThrows(IOException.class, node::start);
            assertTrue(failure.getMessage().startsWith("Failed to bind to address"), failure.getMessage());
            node.close();
        }
    }

    private static ServerSocket bind(int port) throws IOException {
        return new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"));
    }
}
