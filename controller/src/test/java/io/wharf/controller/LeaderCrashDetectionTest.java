package io.wharf.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower stands for election as soon as the leader's process is gone. The election timers
 * here are far too long to fire within the test's deadline (a follower waits at least
 * {@code raft.rpc.timeout.min.ms} of silence, and the crash comes at most half of that after the
 * last heartbeat), so a new leader in time can only come from the crash detection.
 */
class LeaderCrashDetectionTest {

    private static final Map<String, String> SLOW_TIMERS = Map.of(
            ControllerConfig.RAFT_TIMEOUT_MIN_MS, "6000",
            ControllerConfig.RAFT_TIMEOUT_MAX_MS, "12000",
            // The very first election of a fresh quorum need not wait that long.
            "ratis.raft.server.rpc.first-election.timeout.min", "100ms",
            "ratis.raft.server.rpc.first-election.timeout.max", "300ms");

    @TempDir
    Path dir;

    @Test
    void aCrashedLeaderIsReplacedLongBeforeAnElectionTimerCouldFire() {
        try (InProcessQuorum quorum = new InProcessQuorum(3, dir, SLOW_TIMERS).startAll()) {
            ControllerNode leader = quorum.awaitLeader();
            int crashed = leader.nodeId();
            long term = leader.term();
            await().atMost(Duration.ofSeconds(10)).until(() -> quorum.running().stream()
                    .filter(node -> node != leader).allMatch(ControllerNode::watchesLeader));

            quorum.crash(crashed);

            // No timer fires before 3 s after the crash (6 s of silence, heartbeats every 3 s).
            ControllerNode successor = await().atMost(Duration.ofMillis(2500)).pollInterval(Duration.ofMillis(20))
                    .until(() -> quorum.running().stream().filter(ControllerNode::isActive).findFirst(),
                            Optional::isPresent)
                    .orElseThrow();
            assertNotEquals(crashed, successor.nodeId());
            assertTrue(successor.term() > term, "a new term: " + successor.term() + " after " + term);
            // The new leader commits writes, and the crashed controller catches up when it returns.
            new FakeBroker(quorum, 7).register(successor.nodeId());
            quorum.start(crashed);
            quorum.awaitConverged();
            assertTrue(quorum.node(crashed).image().brokers().containsKey(7));
            crashAll(quorum);
        }
    }

    @Test
    void aCrashedFollowerLeavesTheLeaderInPlace() {
        try (InProcessQuorum quorum = new InProcessQuorum(3, dir, SLOW_TIMERS).startAll()) {
            ControllerNode leader = quorum.awaitLeader();
            long term = leader.term();
            ControllerNode follower = quorum.aFollower();

            quorum.crash(follower.nodeId());

            new FakeBroker(quorum, 7).register(leader.nodeId());
            assertTrue(leader.isActive());
            assertEquals(term, leader.term());
            crashAll(quorum);
        }
    }

    /** Stops the rest without handovers, which would wait out the long timers of this test. */
    private static void crashAll(InProcessQuorum quorum) {
        for (ControllerNode node : quorum.running()) {
            quorum.crash(node.nodeId());
        }
    }
}
