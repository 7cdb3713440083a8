package io.wharf.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodePropertiesTest {

    private final ClusterTopology topology = ClusterTopology.local(3, 3);
    private final Path base = Path.of("/tmp/wharf test/.wharf");

    @Test
    void controllerGetsIdVotersAndDataDir() {
        NodeName node = NodeName.controller(2);
        SortedMap<String, String> keys = NodeProperties.of(topology, node, NodePaths.of(base, node), Map.of());

        assertEquals(Map.of(
                "node.id", "2",
                "data.dir", "/tmp/wharf test/.wharf/controller-2/data",
                "metrics.port", "17402",
                "controller.quorum.voters", "1@127.0.0.1:17001:17101,2@127.0.0.1:17002:17102,3@127.0.0.1:17003:17103"), keys);
    }

    @Test
    void brokerGetsItsListenerAndTheControllers() {
        NodeName node = NodeName.broker(3);
        SortedMap<String, String> keys = NodeProperties.of(topology, node, NodePaths.of(base, node),
                Map.of("broker.heartbeat.interval.ms", "100", "listen.host", "localhost"));

        assertEquals("3", keys.get("node.id"));
        assertEquals("17203", keys.get("rpc.port"));
        assertEquals("17303", keys.get("metrics.port"));
        assertEquals("localhost", keys.get("listen.host"), "extra keys override generated ones");
        assertEquals("127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003", keys.get("controller.bootstrap"));
        assertEquals("100", keys.get("broker.heartbeat.interval.ms"));
        assertEquals("1", keys.get("num.network.threads"), "one event loop per broker on a shared machine");
    }

    @Test
    void aFilesOwnKeysAreKeptAndItsTopologyKeysWrittenAnew() {
        NodeName node = NodeName.broker(2);
        Map<String, String> kept = Map.of("log.flush.mode", "lazy", "num.network.threads", "2",
                "rpc.port", "9092", "node.id", "9");
        SortedMap<String, String> keys = NodeProperties.of(topology, node, NodePaths.of(base, node), kept,
                Map.of("log.retention.ms", "1000"));

        assertEquals("lazy", keys.get("log.flush.mode"), "a key added to the file by hand");
        assertEquals("2", keys.get("num.network.threads"), "an edited default");
        assertEquals("17202", keys.get("rpc.port"), "topology keys come from the topology");
        assertEquals("2", keys.get("node.id"));
        assertEquals("1000", keys.get("log.retention.ms"));
    }

    @Test
    void extraKeysWinOverTheFilesOwn(@TempDir Path dir) {
        NodeName node = NodeName.broker(1);
        Path file = dir.resolve("node.properties");
        NodeProperties.write(file, node, NodeProperties.of(topology, node, NodePaths.of(base, node),
                Map.of("log.flush.mode", "lazy")));
        Map<String, String> read = NodeProperties.read(file);
        assertEquals("lazy", read.get("log.flush.mode"));

        SortedMap<String, String> keys = NodeProperties.of(topology, node, NodePaths.of(base, node), read,
                Map.of("log.flush.mode", "sync"));
        assertEquals("sync", keys.get("log.flush.mode"));
        assertEquals(Map.of(), NodeProperties.read(dir.resolve("absent.properties")));
    }

    @Test
    void renderedFileLoadsBackToTheSameKeys() throws Exception {
        NodeName node = NodeName.controller(1);
        SortedMap<String, String> keys = NodeProperties.of(topology, node, NodePaths.of(base, node),
                Map.of("odd key", "a=b:c #d !e \\f", "lead", " space"));
        Properties loaded = new Properties();
        loaded.load(new StringReader(NodeProperties.render(node, keys)));

        assertEquals(keys.size(), loaded.size());
        keys.forEach((key, value) -> assertEquals(value, loaded.getProperty(key), key));
    }
}
