package io.wharf.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterTopologyTest {

    private final ClusterTopology topology = new ClusterTopology("127.0.0.1", 18000, 3, 2);

    @Test
    void portsFollowTheLocalLayout() {
        assertEquals(18002, topology.rpcPort(NodeName.controller(2)));
        assertEquals(18102, topology.raftPort(NodeName.controller(2)));
        assertEquals(18201, topology.rpcPort(NodeName.broker(1)));
        assertEquals(18302, topology.metricsPort(NodeName.broker(2)));
        assertEquals("1@127.0.0.1:18001:18101,2@127.0.0.1:18002:18102,3@127.0.0.1:18003:18103", topology.quorumVoters());
        assertEquals("127.0.0.1:18001,127.0.0.1:18002,127.0.0.1:18003", topology.controllerBootstrap());
        assertThrows(IllegalArgumentException.class, () -> topology.raftPort(NodeName.broker(1)));
        assertEquals(18401, topology.metricsPort(NodeName.controller(1)));
    }

    @Test
    void unknownNodeNamesAreRejectedListingTheValidOnes() {
        for (String bad : new String[] {"broker-3", "controller-4", "controller-0", "node-1", "broker1", "", "BROKER-1",
                "broker-99999999999"}) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> topology.node(bad), bad);
            assertEquals("unknown node '" + bad + "'; this cluster has controller-1, controller-2, controller-3, broker-1, broker-2",
                    error.getMessage());
        }
        assertEquals(NodeName.broker(2), topology.node("broker-2"));
        assertEquals(NodeName.controller(3), topology.node(" controller-3 "));
    }

    @Test
    void everyListedNodeParsesBackToItself() {
        Random random = new Random(42);
        for (int i = 0; i < 200; i++) {
            ClusterTopology sample = new ClusterTopology("127.0.0.1", 1024 + random.nextInt(60000),
                    1 + random.nextInt(ClusterTopology.MAX_CONTROLLERS), random.nextInt(ClusterTopology.MAX_BROKERS + 1));
            for (NodeName node : sample.nodes()) {
                assertEquals(node, sample.node(node.toString()));
                assertTrue(sample.contains(node));
            }
            assertFalse(sample.contains(NodeName.controller(sample.controllers() + 1)));
            java.util.Set<Integer> ports = new java.util.HashSet<>();
            sample.nodes().forEach(n -> ports.add(sample.rpcPort(n)));
            sample.nodes().stream().filter(NodeName::isController).forEach(n -> ports.add(sample.raftPort(n)));
            sample.nodes().forEach(n -> ports.add(sample.metricsPort(n)));
            assertEquals(sample.nodes().size() * 2 + sample.controllers(), ports.size(), "ports collide in " + sample);
            assertTrue(ports.stream().allMatch(port -> port <= 65535), "ports past 65535 in " + sample);
        }
    }

    @Test
    void rejectsCountsAndPortsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new ClusterTopology("127.0.0.1", 17000, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new ClusterTopology("127.0.0.1", 17000, 3, -1));
        assertThrows(IllegalArgumentException.class, () -> new ClusterTopology("127.0.0.1", 80, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> new ClusterTopology("127.0.0.1", 65036, 3, 3));
        assertEquals(65534, new ClusterTopology("127.0.0.1", 65035, 99, 3).metricsPort(NodeName.controller(99)));
        assertThrows(IllegalArgumentException.class, () -> new ClusterTopology(" ", 17000, 3, 3));
    }

    @Test
    void clusterFileRoundTripsAndListsNodes(@TempDir Path dir) throws Exception {
        assertEquals(Optional.empty(), ClusterFile.read(dir));
        ClusterFile.write(dir, topology);

        assertEquals(Optional.of(topology), ClusterFile.read(dir));
        JsonNode json = new ObjectMapper().readTree(dir.resolve("cluster.json").toFile());
        assertEquals(18000, json.get("port_base").asInt());
        assertEquals(5, json.get("nodes").size());
        assertEquals("controller-1", json.get("nodes").get(0).get("name").asText());
        assertEquals(18101, json.get("nodes").get(0).get("raft_port").asInt());
        assertEquals(18202, json.get("nodes").get(4).get("rpc_port").asInt());
        assertEquals(18302, json.get("nodes").get(4).get("metrics_port").asInt());
        assertEquals(18401, json.get("nodes").get(0).get("metrics_port").asInt());
        assertFalse(json.has("node_hosts"), "a cluster on one host writes cluster.json as before");
    }

    @Test
    void nodesWithHostsOfTheirOwnListenAndAreReachedThere(@TempDir Path dir) {
        ClusterTopology spread = new ClusterTopology("127.0.0.1", 18000, 2, 1,
                java.util.Map.of("controller-2", "10.77.0.12", "broker-1", "10.77.0.21"));
        assertEquals("127.0.0.1", spread.host(NodeName.controller(1)));
        assertEquals("10.77.0.12", spread.host(NodeName.controller(2)));
        assertEquals("1@127.0.0.1:18001:18101,2@10.77.0.12:18002:18102", spread.quorumVoters());
        assertEquals("[10.77.0.21:18201]", spread.brokerEndpoints().toString());
        ClusterFile.write(dir, spread);
        assertEquals(Optional.of(spread), ClusterFile.read(dir));
        assertThrows(IllegalArgumentException.class, () -> new ClusterTopology("127.0.0.1", 18000, 2, 1,
                java.util.Map.of("broker-2", "10.77.0.22")));
    }

    @Test
    void unreadableClusterFileSaysWhatToDo(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("cluster.json"), "{not json");
        LocalClusterException error = assertThrows(LocalClusterException.class, () -> ClusterFile.read(dir));
        assertTrue(error.getMessage().contains("delete the directory"), error.getMessage());
        for (String damaged : java.util.List.of("[]", "{\"host\":\"127.0.0.1\",\"port_base\":\"x\",\"controllers\":1}",
                "{\"port_base\":18000,\"controllers\":1,\"brokers\":0}", "{\"host\":\"h\",\"port_base\":18000,"
                        + "\"controllers\":1,\"brokers\":0,\"node_hosts\":{\"controller-1\":7}}",
                "{\"host\":\"h\",\"port_base\":18000,\"controllers\":1,\"brokers\":0")) {
            Files.writeString(dir.resolve("cluster.json"), damaged);
            error = assertThrows(LocalClusterException.class, () -> ClusterFile.read(dir), damaged);
            assertTrue(error.getMessage().contains("is not a readable cluster description"), error.getMessage());
        }
        Files.writeString(dir.resolve("cluster.json"), "{\"host\":\"h\",\"future_key\":{\"a\":[1,{}]},"
                + "\"port_base\":18000,\"controllers\":1,\"brokers\":2,\"nodes\":[{\"name\":\"controller-1\"}]}");
        assertEquals(Optional.of(new ClusterTopology("h", 18000, 1, 2)), ClusterFile.read(dir),
                "unknown keys and the derived node list are skipped");
    }
}
