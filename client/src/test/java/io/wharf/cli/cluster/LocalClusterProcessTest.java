package io.wharf.cli.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher over real processes, with a stand-in main class instead of real nodes. */
class LocalClusterProcessTest {

    /** Taken down after each test, passed or failed: a failed assertion must not leave node processes behind. */
    private final List<LocalCluster> opened = new ArrayList<>();

    @AfterEach
    void takeEveryClusterDown() {
        opened.forEach(LocalCluster::down);
    }

    private LocalCluster open(ClusterSpec spec) {
        LocalCluster cluster = new LocalCluster(spec);
        opened.add(cluster);
        return cluster;
    }

    private static ClusterSpec spec(Path dir, int controllers, int brokers) {
        return ClusterSpec.of(dir, new ClusterTopology("127.0.0.1", 31000, controllers, brokers),
                        System.getProperty("java.class.path"), Map.of("broker.session.timeout.ms", "1500"))
                .withMainClass(NodeRole.CONTROLLER, FakeNodeMain.class.getName())
                .withMainClass(NodeRole.BROKER, FakeNodeMain.class.getName())
                .withJvmOptions(List.of("-Xmx32m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
    }

    @Test
    void nodesStartCrashRestartStopAndGoDown(@TempDir Path dir) throws Exception {
        NodeName controller = NodeName.controller(1);
        NodeName broker = NodeName.broker(1);
        try (LocalCluster cluster = open(spec(dir, 1, 1))) {
            cluster.up();

            assertTrue(cluster.isRunning(controller) && cluster.isRunning(broker));
            assertTrue(Files.readString(dir.resolve("controller-1/node.properties")).contains("broker.session.timeout.ms=1500"));
            for (NodeName node : List.of(controller, broker)) {
                // the stop below must find the start line in the log tail, so the JVM has to have got that far
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(cluster.paths(node).log())
                        .contains("fake node 1 started with --config " + cluster.paths(node).properties()));
            }
            // The JVM's own word, not its command line: the kernel's copy of that is cut at a page.
            long pid = cluster.pid(broker).orElseThrow();
            await("the pid file names the JVM itself, not a wrapper").atMost(Duration.ofSeconds(30))
                    .until(() -> Files.readString(cluster.paths(broker).log()).contains("fake node pid " + pid + "\n"));

            Path leftBehind = temporaryFileOf(cluster, broker);
            assertEquals(cluster.paths(broker).tmp(), leftBehind.getParent(), "the node's own temporary directory");
            assertTrue(cluster.kill(broker));
            assertFalse(cluster.isRunning(broker));
            assertTrue(Files.exists(leftBehind), "a killed JVM deletes nothing on its way out");
            assertFalse(cluster.kill(broker), "killing a stopped node is a no-op");
            assertTrue(cluster.start(broker));
            assertFalse(Files.exists(leftBehind), "emptied when the node is launched again");
            assertFalse(cluster.start(broker), "starting a running node is a no-op");
            assertTrue(cluster.isRunning(broker));

            assertTrue(cluster.stop(controller, Duration.ofSeconds(10)));
            LocalClusterException unhealthy = assertThrows(LocalClusterException.class,
                    () -> cluster.awaitHealthy(Duration.ofSeconds(5)));
            assertTrue(unhealthy.getMessage().startsWith("controller-1 is not running"), unhealthy.getMessage());
            assertTrue(unhealthy.getMessage().contains("fake node 1 started"), "shows the log tail: " + unhealthy.getMessage());

            ClusterStatus status = cluster.status();
            assertEquals(List.of(false, true), status.nodes().stream().map(NodeStatus::running).toList());
            assertEquals("unknown", status.nodes().get(0).state());
            assertFalse(status.healthy());

            LocalClusterException busy = assertThrows(LocalClusterException.class, cluster::deleteData);
            assertTrue(busy.getMessage().contains("broker-1"), busy.getMessage());

            cluster.down();
            assertFalse(cluster.isRunning(broker));
            cluster.deleteData();
            assertFalse(Files.exists(dir));
        }
    }

    /** The file the fake node says it created in its temporary directory. */
    private static Path temporaryFileOf(LocalCluster cluster, NodeName node) {
        String prefix = "fake node temporary file ";
        return await().atMost(Duration.ofSeconds(30)).until(() -> Files.readAllLines(cluster.paths(node).log()).stream()
                .filter(line -> line.startsWith(prefix)).reduce((first, second) -> second)
                .map(line -> Path.of(line.substring(prefix.length()))), Optional::isPresent).orElseThrow();
    }

    @Test
    void aNodeLaunchedBehindAPrefixIsStillFoundByItsPid(@TempDir Path dir) {
        NodeName broker = NodeName.broker(1);
        // env execs the JVM in place, as `ip netns exec` does for the nemesis suite's namespaces.
        ClusterSpec spec = spec(dir, 1, 1).withLaunchPrefixes(Map.of(broker.toString(), List.of("env", "WHARF_PREFIXED=1")));
        try (LocalCluster cluster = open(spec)) {
            cluster.up();
            long pid = cluster.pid(broker).orElseThrow();
            await("the pid file names the JVM the prefix exec'd").atMost(Duration.ofSeconds(30))
                    .until(() -> Files.readString(cluster.paths(broker).log()).contains("fake node pid " + pid + "\n"));
            assertTrue(cluster.kill(broker));
            assertFalse(cluster.isRunning(broker));
            cluster.down();
        }
        assertThrows(IllegalArgumentException.class, () -> spec(dir, 1, 1)
                .withLaunchPrefixes(Map.of("broker-2", List.of("env"))), "a prefix for a node the cluster lacks");
    }

    @Test
    void aNodeWhosePortAnotherProcessHoldsIsNotLaunched(@TempDir Path dir) throws Exception {
        // Port base 31000: broker-1's gRPC port is 31201.
        try (java.net.ServerSocket other = new java.net.ServerSocket(31201, 50, java.net.InetAddress.getByName("127.0.0.1"));
             LocalCluster cluster = open(spec(dir, 1, 1))) {
            LocalClusterException error = assertThrows(LocalClusterException.class, cluster::up);
            assertEquals("cannot start broker-1: port 31201 on 127.0.0.1 is in use by another process (another cluster"
                    + " on the same ports?); stop it, or set this cluster up on other ports", error.getMessage());
            assertFalse(cluster.isRunning(NodeName.broker(1)));
        }
        try (LocalCluster cluster = open(spec(dir, 1, 1))) {
            cluster.up(); // the port is free again
            assertTrue(cluster.isRunning(NodeName.broker(1)));
        }
    }

    @Test
    void upKeepsTheKeysANodesFileWasGivenAndWritesItsTopologyKeysAnew(@TempDir Path dir) throws Exception {
        try (LocalCluster cluster = open(spec(dir, 1, 1))) {
            cluster.up();
            Path file = cluster.paths(NodeName.broker(1)).properties();
            Files.writeString(file, Files.readString(file).replace("rpc.port=31201", "rpc.port=1")
                    + "log.flush.mode=lazy\n");

            cluster.up();

            Map<String, String> keys = NodeProperties.read(file);
            assertEquals("lazy", keys.get("log.flush.mode"), "a key added by hand");
            assertEquals("31201", keys.get("rpc.port"), "a topology key is the topology's");
            assertEquals("1500", keys.get("broker.session.timeout.ms"), "the spec's extra key");
        }
    }

    @Test
    void upRefusesADirectoryHoldingAnotherTopology(@TempDir Path dir) {
        ClusterFile.write(dir, new ClusterTopology("127.0.0.1", 31000, 3, 3));
        try (LocalCluster cluster = open(spec(dir, 1, 1))) {
            LocalClusterException error = assertThrows(LocalClusterException.class, cluster::up);
            assertTrue(error.getMessage().contains("already holds a cluster of 3 controllers and 3 brokers"), error.getMessage());
            assertFalse(Files.exists(dir.resolve("controller-1")));
        }
    }

    @Test
    void unknownNodeIsRejectedListingTheValidNames(@TempDir Path dir) {
        try (LocalCluster cluster = open(spec(dir, 1, 2))) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> cluster.kill(NodeName.broker(3)));
            assertEquals("unknown node 'broker-3'; this cluster has controller-1, broker-1, broker-2", error.getMessage());
        }
    }
}
