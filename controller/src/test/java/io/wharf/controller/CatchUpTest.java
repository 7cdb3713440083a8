package io.wharf.controller;

import static io.wharf.controller.QuickPolling.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.metadata.MetadataImage;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.DescribeTopicsRequest;
import io.wharf.proto.controller.DescribeTopicsResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restarted, lagging and replaced controllers end up with the same image as the others. */
class CatchUpTest {

    @TempDir
    Path dir;
    private InProcessQuorum quorum;

    @AfterEach
    void stop() {
        if (quorum != null) {
            quorum.close();
        }
    }

    private void startWithOneActiveBroker(Map<String, String> overrides) {
        quorum = new InProcessQuorum(3, dir, overrides).startAll();
        quorum.awaitLeader();
        FakeBroker broker = new FakeBroker(quorum, 1);
        broker.register(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !broker.heartbeat().getFenced());
    }

    private void createTopics(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            int via = quorum.running().get(i % quorum.running().size()).nodeId();
            assertEquals(ErrorCode.NONE, quorum.stub(via).createTopics(QuorumReplicationTest.create(prefix + i, 1, 1,
                    Map.of())).getResults(0).getError().getCode());
        }
    }

    private List<Path> snapshotFiles(int controller) throws IOException {
        Path raft = dir.resolve("controller-" + controller).resolve("raft");
        try (Stream<Path> files = Files.walk(raft)) {
            return files.filter(file -> file.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).toList();
        }
    }

    @Test
    void everyLogStartsAfterTheSameGenesisSnapshotAndARestartDoesNotWriteItAgain() throws IOException {
        startWithOneActiveBroker(Map.of());
        createTopics("t-", 2);
        quorum.awaitConverged();
        for (ControllerNode node : quorum.running()) {
            // nothing is ever written at index 0, so no append reaches a follower without a previous entry
            assertEquals(List.of("snapshot.0_0"), snapshotNames(node.nodeId()), "controller " + node.nodeId());
            assertEquals(1, node.logStartIndex(), "controller " + node.nodeId());
        }

        ControllerNode follower = quorum.aFollower();
        int id = follower.nodeId();
        Path genesis = snapshotFiles(id).get(0);
        long writtenAt = Files.getLastModifiedTime(genesis).toMillis();
        quorum.stop(id);
        createTopics("while-down-", 2);
        ControllerNode restarted = quorum.start(id);
        quorum.awaitConverged();
        assertEquals(4, restarted.image().topics().size());
        // (closing took a snapshot of its own; the genesis one stays as it was)
        assertTrue(snapshotNames(id).contains("snapshot.0_0"), snapshotNames(id).toString());
        assertEquals(writtenAt, Files.getLastModifiedTime(genesis).toMillis());
    }

    private List<String> snapshotNames(int controller) throws IOException {
        return snapshotFiles(controller).stream().map(file -> file.getFileName().toString()).toList();
    }

    @Test
    void restartedControllerCatchesUpFromItsSnapshotAndTheLog() throws IOException {
        startWithOneActiveBroker(Map.of(ControllerConfig.BROKER_SESSION_TIMEOUT_MS, "600000"));
        createTopics("before-", 5);
        ControllerNode follower = quorum.aFollower();
        int id = follower.nodeId();
        quorum.awaitConverged();
        long snapshotIndex = follower.takeSnapshot();
        assertTrue(snapshotIndex > 0);
        assertTrue(!snapshotFiles(id).isEmpty());

        quorum.stop(id);
        createTopics("while-down-", 5);
        ControllerNode restarted = quorum.start(id);
        quorum.awaitConverged();
        assertTrue(restarted.image().topic("while-down-4").isPresent());
        assertTrue(restarted.image().topics().size() == 10);
    }

    @Test
    void laggingControllerWhoseEntriesWerePurgedInstallsTheLeadersSnapshot() throws IOException {
        // Tiny log segments and no purge gap, so a snapshot lets the leader drop the entries the
        // stopped controller is missing.
        startWithOneActiveBroker(Map.of(
                ControllerConfig.BROKER_SESSION_TIMEOUT_MS, "600000",
                "ratis.raft.server.log.segment.size.max", "2KB",
                "ratis.raft.server.log.preallocated.size", "2KB",
                "ratis.raft.server.log.purge.gap", "1"));
        ControllerNode leader = quorum.awaitLeader();
        int lagging = quorum.aFollower().nodeId();
        quorum.stop(lagging);
        long laggingHad = leader.image().offset();

        createTopics("missed-", 40);
        for (ControllerNode node : quorum.running()) {
            node.takeSnapshot();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> quorum.awaitLeader().logStartIndex() > laggingHad + 1);
        MetadataImage expected = quorum.awaitLeader().image();
        long leaderSnapshot = quorum.awaitLeader().latestSnapshotIndex();

        ControllerNode restarted = quorum.start(lagging);
        quorum.awaitConverged();
        assertEquals(expected.topics(), restarted.image().topics());
        // The entries it never received came as the leader's snapshot.
        assertTrue(restarted.latestSnapshotIndex() >= leaderSnapshot,
                restarted.latestSnapshotIndex() + " < " + leaderSnapshot);

        // It keeps applying after the install, and serves reads.
        createTopics("after-", 2);
        quorum.awaitConverged();
        DescribeTopicsResponse described = quorum.stub(lagging)
                .describeTopics(DescribeTopicsRequest.newBuilder().addNames("after-1").build());
        assertEquals(1, described.getTopicsCount());
    }

    @Test
    void closingTheLeaderElectsANewOneThatCommitsWithTopicsUnchanged() {
        startWithOneActiveBroker(Map.of(ControllerConfig.BROKER_SESSION_TIMEOUT_MS, "600000"));
        createTopics("kept-", 3);
        ControllerNode leader = quorum.awaitLeader();
        DescribeTopicsResponse before = quorum.stub(leader.nodeId()).describeTopics(DescribeTopicsRequest.getDefaultInstance());

        quorum.stop(leader.nodeId());
        ControllerNode next = quorum.awaitLeader();
        assertTrue(next.nodeId() != leader.nodeId());
        assertEquals(ErrorCode.NONE, quorum.stub(next.nodeId()).createTopics(
                QuorumReplicationTest.create("after-failover", 1, 1, Map.of())).getResults(0).getError().getCode());
        for (ControllerNode survivor : quorum.running()) {
            DescribeTopicsResponse now = quorum.stub(survivor.nodeId()).describeTopics(DescribeTopicsRequest.newBuilder()
                    .addNames("kept-0").addNames("kept-1").addNames("kept-2").build());
            assertEquals(before.getTopicsList(), now.getTopicsList());
        }

        ControllerNode back = quorum.start(leader.nodeId());
        quorum.awaitConverged();
        assertTrue(back.image().topic("after-failover").isPresent());
    }
}
