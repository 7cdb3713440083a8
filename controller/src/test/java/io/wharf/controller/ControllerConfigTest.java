package io.wharf.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.config.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControllerConfigTest {

    private static final String VOTERS = "1@127.0.0.1:17001:17101, 2@127.0.0.1:17002:17102,3@127.0.0.1:17003:17103";

    private static Map<String, String> minimal() {
        Map<String, String> values = new HashMap<>();
        values.put("node.id", "2");
        values.put("controller.quorum.voters", VOTERS);
        return values;
    }

    private static InvalidConfigException rejected(Map<String, String> values) {
        return assertThrows(InvalidConfigException.class, () -> ControllerConfig.fromMap(values));
    }

    @Test
    void minimalConfigGetsEveryDefault() {
        ControllerConfig config = ControllerConfig.fromMap(minimal());
        assertEquals(2, config.nodeId());
        assertEquals(List.of(new QuorumVoter(1, "127.0.0.1", 17001, 17101), new QuorumVoter(2, "127.0.0.1", 17002, 17102),
                new QuorumVoter(3, "127.0.0.1", 17003, 17103)), config.voters());
        assertEquals(new QuorumVoter(2, "127.0.0.1", 17002, 17102), config.self());
        assertEquals(Path.of("./data/controller-2"), config.dataDir());
        assertEquals(UUID.fromString(ControllerConfig.DEFAULT_CLUSTER_ID), config.clusterId());
        assertEquals("127.0.0.1", config.bindHost());
        assertEquals(2000, config.brokerSessionTimeoutMs());
        assertEquals(100, config.livenessCheckIntervalMs());
        assertEquals(10000, config.historyBatches());
        assertEquals(100, config.raftTimeoutMinMs());
        assertEquals(200, config.raftTimeoutMaxMs());
        assertEquals(1000, config.raftStepDownWaitMs());
        assertEquals(ControllerConfig.DEFAULT_APPENDER_RETRY_POLICY, config.raftAppenderRetryPolicy());
        assertEquals(50000, config.raftSnapshotThreshold());
        assertEquals(3, config.raftSnapshotRetention());
        assertTrue(config.raftPurgeUpToSnapshot());
        assertEquals(500, config.quorumRequestTimeoutMs());
        assertEquals(10, config.quorumRetryIntervalMs());
        assertEquals(10000, config.quorumRetryMaxMs());
        assertEquals(Map.of(), config.ratisOverrides());
        assertTrue(config.raftLeaderCrashDetection());
        assertTrue(config.brokerCrashDetection());
        assertTrue(config.autoLeaderRebalance());
        assertEquals(300_000, config.leaderImbalanceCheckIntervalMs());
        assertEquals(0.1, config.leaderImbalanceRatio());
        assertEquals(-1, config.metricsPort());
    }

    @Test
    void switchesAndRatiosParseAndOutOfRangeValuesAreNamed() {
        Map<String, String> values = minimal();
        values.put(ControllerConfig.RAFT_LEADER_CRASH_DETECTION, "false");
        values.put(ControllerConfig.AUTO_LEADER_REBALANCE_ENABLE, "false");
        values.put(ControllerConfig.BROKER_CRASH_DETECTION, "false");
        values.put(ControllerConfig.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE, "25");
        ControllerConfig config = ControllerConfig.fromMap(values);
        assertFalse(config.raftLeaderCrashDetection());
        assertFalse(config.brokerCrashDetection());
        assertFalse(config.autoLeaderRebalance());
        assertEquals(0.25, config.leaderImbalanceRatio());

        values.put(ControllerConfig.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE, "150");
        assertTrue(rejected(values).getMessage().contains(ControllerConfig.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE));
    }

    @Test
    void missingRequiredKeysAreNamed() {
        Map<String, String> noId = minimal();
        noId.remove("node.id");
        assertEquals("node.id", rejected(noId).key());
        Map<String, String> noVoters = minimal();
        noVoters.remove("controller.quorum.voters");
        assertEquals("controller.quorum.voters", rejected(noVoters).key());
    }

    @Test
    void malformedValuesAreNamed() {
        for (Map.Entry<String, String> bad : Map.of(
                "node.id", "two",
                "broker.session.timeout.ms", "0",
                "raft.rpc.timeout.min.ms", "-1",
                "metadata.history.batches", "lots",
                "raft.log.purge.up.to.snapshot", "yes",
                "controller.cluster.id", "not-a-uuid",
                "quorum.request.timeout.ms", "99999999999999999999",
                "metrics.port", "65536").entrySet()) {
            Map<String, String> values = minimal();
            values.put(bad.getKey(), bad.getValue());
            InvalidConfigException e = rejected(values);
            assertEquals(bad.getKey(), e.key(), e.getMessage());
            assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
        }
    }

    @Test
    void timeoutMaxMustExceedMin() {
        Map<String, String> values = minimal();
        values.put("raft.rpc.timeout.min.ms", "200");
        values.put("raft.rpc.timeout.max.ms", "200");
        assertEquals("raft.rpc.timeout.max.ms", rejected(values).key());
    }

    @Test
    void badVoterListsAreRejected() {
        for (String voters : List.of("", "1@127.0.0.1:17001", "x@h:1:2", "0@h:1:2", "1@h:1:1", "1@h:1:70000",
                "1@:1:2", "1@h:1:2,1@h:3:4", "1@h:1:2,2@h:1:5", "1@h:1:2")) {
            Map<String, String> values = minimal();
            values.put("controller.quorum.voters", voters);
            assertEquals("controller.quorum.voters", rejected(values).key(), voters);
        }
    }

    @Test
    void unknownKeysAreRejectedButRatisKeysPassThrough() {
        Map<String, String> typo = minimal();
        typo.put("broker.sesion.timeout.ms", "100");
        assertEquals("broker.sesion.timeout.ms", rejected(typo).key());

        Map<String, String> ratis = minimal();
        ratis.put("ratis.raft.server.log.segment.size.max", "1MB");
        assertEquals(Map.of("raft.server.log.segment.size.max", "1MB"),
                ControllerConfig.fromMap(ratis).ratisOverrides());
        assertEquals("1MB", RaftSettings.serverProperties(ControllerConfig.fromMap(ratis))
                .get("raft.server.log.segment.size.max"));
    }

    @Test
    void fileIsReadAndOverridesWin(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("controller.properties");
        Files.writeString(file, "node.id=1\ncontroller.quorum.voters=" + VOTERS + "\nbroker.session.timeout.ms=3000\n");
        ControllerConfig config = ControllerConfig.load(file, Map.of("broker.session.timeout.ms", "500", "data.dir", "/x"));
        assertEquals(1, config.nodeId());
        assertEquals(500, config.brokerSessionTimeoutMs());
        assertEquals(Path.of("/x"), config.dataDir());
    }

    @Test
    void commandLineNeedsWellFormedFlags(@TempDir Path dir) throws IOException {
        assertThrows(IllegalArgumentException.class, () -> ControllerMain.parse(List.of("--config")));
        assertThrows(IllegalArgumentException.class, () -> ControllerMain.parse(List.of("--set", "novalue")));
        assertThrows(IllegalArgumentException.class, () -> ControllerMain.parse(List.of("--bogus")));
        assertThrows(IllegalArgumentException.class,
                () -> ControllerMain.parse(List.of("--config", dir.resolve("missing.properties").toString())));
        ControllerConfig config = ControllerMain.parse(List.of("--set", "node.id=3", "--set",
                "controller.quorum.voters=" + VOTERS));
        assertEquals(3, config.nodeId());
    }

    @Test
    void shippedTemplateParses() throws IOException {
        Path template = Path.of("..", "deploy", "config", "controller.properties");
        ControllerConfig config = ControllerConfig.load(template, Map.of());
        assertEquals(1, config.nodeId());
        assertEquals(3, config.voters().size());
    }
}
