package io.wharf.controller;

import static io.wharf.controller.QuickPolling.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicImage;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.ControlledShutdownRequest;
import io.wharf.proto.controller.ControlledShutdownResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BrokerCrashDetector} in a real quorum: three in-process controllers whose broker session
 * timeout (30 s) is far longer than any wait here, so a broker fenced within seconds can only have
 * been fenced by the detector. The fake brokers heartbeat and listen on a gRPC port of their own;
 * "killing" one stops its heartbeats and closes its server (connections and listening socket).
 */
class BrokerCrashDetectionTest {

    private static final long SESSION_TIMEOUT_MS = 30_000;
    /** Far below the session timeout, far above the milliseconds a detection takes. */
    private static final Duration DETECTED_WITHIN = Duration.ofSeconds(3);

    @TempDir
    Path dir;
    private InProcessQuorum quorum;
    private HeartbeatingBrokers beating;
    private final List<FakeBroker> brokers = new ArrayList<>();

    private ControllerNode start(boolean detection) {
        quorum = new InProcessQuorum(3, dir, Map.of(
                ControllerConfig.BROKER_SESSION_TIMEOUT_MS, Long.toString(SESSION_TIMEOUT_MS),
                ControllerConfig.LIVENESS_CHECK_INTERVAL_MS, "50",
                ControllerConfig.BROKER_CRASH_DETECTION, Boolean.toString(detection))).startAll();
        quorum.awaitLeader();
        for (int id = 1; id <= 3; id++) {
            brokers.add(new FakeBroker(quorum, id, FreePorts.one()).serve());
        }
        beating = HeartbeatingBrokers.start(quorum, brokers);
        ControllerNode leader = quorum.awaitLeader();
        if (detection) {
            awaitWatched(leader, Map.of(1, epoch(1), 2, epoch(2), 3, epoch(3)));
        }
        return leader;
    }

    @AfterEach
    void stop() {
        if (beating != null) {
            beating.close();
        }
        // The quorum first: brokers closing under a live detector would only be fenced on the way out.
        if (quorum != null) {
            quorum.close();
        }
        brokers.forEach(FakeBroker::stopServing);
    }

    private long epoch(int brokerId) {
        return brokers.get(brokerId - 1).epoch();
    }

    private void kill(FakeBroker broker) {
        beating.silence(broker);
        broker.stopServing();
    }

    private BrokerRegistration registration(int brokerId) {
        return quorum.awaitLeader().image().brokers().get(brokerId);
    }

    private static void awaitWatched(ControllerNode leader, Map<Integer, Long> expected) {
        await().atMost(Duration.ofSeconds(10)).until(() -> leader.crashWatchedBrokers().equals(expected));
    }

    @Test
    void aKilledBrokerIsFencedWithinMillisecondsNotAfterItsSessionTimeout() {
        start(true);
        assertEquals(ErrorCode.NONE, quorum.stub(quorum.aFollower().nodeId())
                .createTopics(QuorumReplicationTest.create("orders", 6, 3, Map.of())).getResults(0).getError().getCode());
        TopicImage before = quorum.awaitLeader().image().topic("orders").orElseThrow();
        assertTrue(before.partitions().values().stream().anyMatch(p -> p.leader() == 3), before.toString());
        long epoch = epoch(3);

        long killedNs = System.nanoTime();
        kill(brokers.get(2));

        await().atMost(DETECTED_WITHIN).pollInterval(Duration.ofMillis(5)).until(() -> registration(3).fenced());
        System.out.printf("broker 3 fenced %d ms after its server closed%n",
                Duration.ofNanos(System.nanoTime() - killedNs).toMillis());
        assertEquals(epoch, registration(3).epoch());
        TopicImage after = quorum.awaitLeader().image().topic("orders").orElseThrow();
        for (PartitionState partition : after.partitions().values()) {
            assertNotEquals(3, partition.leader(), partition.toString());
            assertFalse(partition.isr().contains(3), partition.toString());
        }
        assertEquals(List.of(1, 2), quorum.awaitLeader().image().activeBrokerIds());
        // A fenced broker is no longer watched.
        awaitWatched(quorum.awaitLeader(), Map.of(1, epoch(1), 2, epoch(2)));
    }

    @Test
    void aHungBrokerThatStillHoldsItsPortIsLeftToTheSessionTimeout() {
        ControllerNode leader = start(true);
        beating.silence(brokers.get(1));

        // Its connection stays open, so only the (30 s) session timeout may fence it.
        await().during(DETECTED_WITHIN).atMost(DETECTED_WITHIN.plusSeconds(2)).until(() -> !registration(2).fenced());
        assertTrue(leader.crashWatchedBrokers().containsKey(2), "still watched: " + leader.crashWatchedBrokers());
        assertTrue(leader.isActive());
    }

    @Test
    void aBrokerRestartedOnTheSamePortIsWatchedAtItsNewEpochAndNotFencedForItsPredecessor() {
        ControllerNode leader = start(true);
        FakeBroker broker = brokers.get(0);
        long oldEpoch = broker.epoch();
        kill(broker);
        await().atMost(DETECTED_WITHIN).until(() -> registration(1).fenced());

        // The new process listens on the same port, registers (a new epoch) and catches up.
        broker.restart();
        broker.serve();
        long newEpoch = broker.register(2);
        assertTrue(newEpoch > oldEpoch);
        beating.resume(broker);
        await().atMost(Duration.ofSeconds(10)).until(() -> !registration(1).fenced());
        awaitWatched(leader, Map.of(1, newEpoch, 2, epoch(2), 3, epoch(3)));

        // A detection of the old incarnation arriving late fences nothing.
        assertFalse(leader.brokerGone(1, oldEpoch));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !registration(1).fenced());
        assertEquals(newEpoch, registration(1).epoch());

        // The new incarnation's own crash is detected.
        kill(broker);
        await().atMost(DETECTED_WITHIN).until(() -> registration(1).fenced());
        assertEquals(newEpoch, registration(1).epoch());
    }

    @Test
    void aBrokerRegisteredAgainWhileItsPortKeptListeningIsWatchedAtItsNewEpoch() {
        ControllerNode leader = start(true);
        FakeBroker broker = brokers.get(1);
        long oldEpoch = broker.epoch();

        // A new incarnation registers while the port never stopped listening (as a restart faster
        // than the connection drop would look): the old registration's watch gives way to the new one.
        // The old process hands its registration over first: while its session is alive a new
        // incarnation is refused (decision duplicate-broker-id.md), and it lasts 30 s here.
        ControlledShutdownResponse handedOver = quorum.stub(leader.nodeId()).controlledShutdown(
                ControlledShutdownRequest.newBuilder().setBrokerId(2).setBrokerEpoch(oldEpoch).build());
        assertEquals(ErrorCode.NONE, handedOver.getError().getCode(), handedOver.toString());
        broker.restart();
        long newEpoch = broker.register(1);
        assertTrue(newEpoch > oldEpoch);
        await().atMost(Duration.ofSeconds(10)).until(() -> !registration(2).fenced());
        awaitWatched(leader, Map.of(1, epoch(1), 2, newEpoch, 3, epoch(3)));
        assertFalse(leader.brokerGone(2, oldEpoch));
        assertEquals(newEpoch, registration(2).epoch());
        assertFalse(registration(2).fenced());
    }

    @Test
    void aNewActiveControllerWatchesEveryBrokerAndFollowersWatchNone() {
        ControllerNode first = start(true);
        quorum.stop(first.nodeId());
        ControllerNode next = quorum.awaitLeader();
        assertNotEquals(first.nodeId(), next.nodeId());
        awaitWatched(next, Map.of(1, epoch(1), 2, epoch(2), 3, epoch(3)));
        for (ControllerNode node : quorum.running()) {
            if (node != next) {
                assertEquals(Map.of(), node.crashWatchedBrokers(), "controller " + node.nodeId());
            }
        }

        kill(brokers.get(0));
        await().atMost(DETECTED_WITHIN).until(() -> registration(1).fenced());
    }

    @Test
    void withDetectionOffAKilledBrokerWaitsForItsSessionTimeout() {
        ControllerNode leader = start(false);
        kill(brokers.get(2));

        await().during(DETECTED_WITHIN).atMost(DETECTED_WITHIN.plusSeconds(2)).until(() -> !registration(3).fenced());
        assertEquals(Map.of(), leader.crashWatchedBrokers());
    }
}
