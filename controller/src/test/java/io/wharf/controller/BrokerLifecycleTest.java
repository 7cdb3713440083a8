package io.wharf.controller;

import static io.wharf.controller.QuickPolling.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.MetadataSnapshots;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicImage;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.BrokerHeartbeatRequest;
import io.wharf.proto.controller.BrokerHeartbeatResponse;
import io.wharf.proto.controller.ControlledShutdownRequest;
import io.wharf.proto.controller.ControlledShutdownResponse;
import io.wharf.proto.controller.RegisterBrokerResponse;
import io.wharf.proto.controller.WatchMetadataResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fake brokers (plain gRPC calls) against three in-process controllers with a short session timeout. */
class BrokerLifecycleTest {

    private static final long SESSION_TIMEOUT_MS = 1500;

    @TempDir
    Path dir;
    private InProcessQuorum quorum;
    private HeartbeatingBrokers beating;
    private List<FakeBroker> brokers;

    @BeforeEach
    void startQuorumAndBrokers() {
        quorum = new InProcessQuorum(3, dir, Map.of(
                ControllerConfig.BROKER_SESSION_TIMEOUT_MS, Long.toString(SESSION_TIMEOUT_MS),
                ControllerConfig.LIVENESS_CHECK_INTERVAL_MS, "50")).startAll();
        quorum.awaitLeader();
        beating = HeartbeatingBrokers.start(quorum, 3);
        brokers = beating.all();
    }

    @AfterEach
    void stop() throws InterruptedException {
        beating.close();
        quorum.close();
    }

    private TopicImage createSpreadTopic(String name) {
        assertEquals(ErrorCode.NONE, quorum.stub(quorum.aFollower().nodeId())
                .createTopics(QuorumReplicationTest.create(name, 6, 3, Map.of())).getResults(0).getError().getCode());
        TopicImage topic = quorum.awaitLeader().image().topic(name).orElseThrow();
        for (int broker = 1; broker <= 3; broker++) {
            int id = broker;
            assertTrue(topic.partitions().values().stream().anyMatch(p -> p.leader() == id),
                    "placement gives every broker a leadership: " + topic);
        }
        return topic;
    }

    @Test
    void aSilentBrokerIsFencedAfterTheSessionTimeoutAndItsLeadershipsMove() {
        TopicImage before = createSpreadTopic("orders");
        beating.silence(brokers.get(2));

        await().atMost(Duration.ofSeconds(10)).until(() -> quorum.awaitLeader().image().brokers().get(3).fenced());
        TopicImage after = quorum.awaitLeader().image().topic("orders").orElseThrow();
        for (PartitionState was : before.partitions().values()) {
            PartitionState now = after.partitions().get(was.partition());
            assertFalse(now.isr().contains(3), now.toString());
            if (was.leader() == 3) {
                assertTrue(now.leader() == 1 || now.leader() == 2, now.toString());
                assertTrue(now.leaderEpoch() > was.leaderEpoch(), now.toString());
            } else {
                assertEquals(was.leader(), now.leader());
            }
        }
        assertTrue(quorum.awaitLeader().image().isActive(1) && quorum.awaitLeader().image().isActive(2));

        // It comes back as a new process: registers again (a new epoch) and is unfenced once it heartbeats.
        FakeBroker returning = brokers.get(2);
        long oldEpoch = returning.epoch();
        returning.restart();
        assertTrue(returning.register(1) > oldEpoch);
        await().atMost(Duration.ofSeconds(10)).until(() -> !returning.heartbeat().getFenced());
    }

    @Test
    void controlledShutdownMovesLeadershipsAndTheBrokerStaysFenced() {
        TopicImage before = createSpreadTopic("payments");
        FakeBroker leaving = brokers.get(0);
        ControlledShutdownResponse response = quorum.stub(quorum.aFollower().nodeId()).controlledShutdown(
                ControlledShutdownRequest.newBuilder().setBrokerId(1).setBrokerEpoch(leaving.epoch()).build());
        assertEquals(ErrorCode.NONE, response.getError().getCode(), response.toString());

        // The command was applied on the active controller before the answer came back.
        TopicImage after = quorum.awaitLeader().image().topic("payments").orElseThrow();
        for (PartitionState was : before.partitions().values()) {
            PartitionState now = after.partitions().get(was.partition());
            assertTrue(now.leader() != 1, now.toString());
            if (was.leader() == 1) {
                assertTrue(now.leaderEpoch() > was.leaderEpoch(), now.toString());
            }
        }
        BrokerRegistration registration = quorum.awaitLeader().image().brokers().get(1);
        assertTrue(registration.fenced());
        // Still heartbeating while it winds down must not unfence it.
        for (int i = 0; i < 5; i++) {
            assertTrue(leaving.heartbeat().getFenced());
        }
        assertTrue(quorum.awaitLeader().image().brokers().get(1).fenced());
    }

    @Test
    void aRegistrationRetriedThroughEveryControllerKeepsItsEpochAndTheBrokerActive() {
        FakeBroker broker = brokers.get(0);
        long epoch = broker.epoch();
        for (int via : quorum.ids()) {
            RegisterBrokerResponse again = broker.registration(via);
            assertEquals(epoch, again.getBrokerEpoch(), "retry through controller " + via);
            assertFalse(again.getFenced(), "the broker was active and stays so");
        }
        quorum.awaitConverged();
        for (ControllerNode node : quorum.running()) {
            BrokerRegistration registration = node.image().brokers().get(1);
            assertEquals(epoch, registration.epoch(), "controller " + node.nodeId());
            assertFalse(registration.fenced(), "controller " + node.nodeId());
        }
        assertFalse(broker.heartbeat().getFenced());

        // A restarted process of the same broker is a new incarnation: a new epoch, fenced at first.
        broker.restart();
        RegisterBrokerResponse restarted = broker.registration(2);
        assertTrue(restarted.getBrokerEpoch() > epoch);
        assertTrue(restarted.getFenced());
        await().atMost(Duration.ofSeconds(10)).until(() -> !broker.heartbeat().getFenced());
    }

    @Test
    void aSecondLiveProcessWithTheSameBrokerIdIsRefusedAndTheFirstKeepsItsRegistration() {
        FakeBroker first = brokers.get(0);
        long epoch = first.epoch();
        FakeBroker second = new FakeBroker(quorum, 1, 19100);
        int active = quorum.awaitLeader().nodeId();

        RegisterBrokerResponse elsewhere = second.attemptRegistration(quorum.aFollower().nodeId());
        assertEquals(ErrorCode.NOT_CONTROLLER, elsewhere.getError().getCode(), "only the active one keeps sessions");
        assertEquals(active, elsewhere.getError().getLeaderId());
        RegisterBrokerResponse waiting = second.attemptRegistration(active);
        assertEquals(ErrorCode.BROKER_ID_IN_USE, waiting.getError().getCode(), waiting.toString());
        // The first process heartbeats (every 100 ms): it is alive, and the second is refused for good.
        await().atMost(Duration.ofSeconds(5)).until(() ->
                second.attemptRegistration(active).getError().getCode() == ErrorCode.DUPLICATE_BROKER_ID);
        RegisterBrokerResponse refused = second.attemptRegistration(active);
        assertEquals(ErrorCode.DUPLICATE_BROKER_ID, refused.getError().getCode());
        assertTrue(refused.getError().getMessage().contains("19001"), refused.getError().getMessage());

        quorum.awaitConverged();
        BrokerRegistration registration = quorum.awaitLeader().image().brokers().get(1);
        assertEquals(epoch, registration.epoch());
        assertEquals(19001, registration.port());
        assertFalse(registration.fenced());
        assertFalse(first.heartbeat().getFenced());
    }

    @Test
    void aProcessRestartedBeforeItsPredecessorsSessionEndedRegistersOnceItEnds() {
        FakeBroker killed = brokers.get(0);
        long epoch = killed.epoch();
        int active = quorum.awaitLeader().nodeId();
        beating.silence(killed);
        killed.restart();

        RegisterBrokerResponse early = killed.attemptRegistration(active);
        assertEquals(ErrorCode.BROKER_ID_IN_USE, early.getError().getCode(), early.toString());
        // No heartbeat of the predecessor follows; its session times out and the new process gets in.
        RegisterBrokerResponse admitted = killed.registration(active);
        assertTrue(admitted.getBrokerEpoch() > epoch);
        beating.resume(killed);
        await().atMost(Duration.ofSeconds(10)).until(() -> quorum.awaitLeader().image().isActive(1));
    }

    @Test
    void heartbeatsNeedTheActiveControllerAndTheCurrentEpoch() {
        ControllerNode leader = quorum.awaitLeader();
        ControllerNode follower = quorum.aFollower();
        FakeBroker broker = brokers.get(1);

        BrokerHeartbeatResponse redirected = quorum.stub(follower.nodeId()).brokerHeartbeat(BrokerHeartbeatRequest
                .newBuilder().setBrokerId(2).setBrokerEpoch(broker.epoch()).setMetadataOffset(broker.epoch()).build());
        assertEquals(ErrorCode.NOT_CONTROLLER, redirected.getError().getCode());
        assertEquals(leader.nodeId(), redirected.getError().getLeaderId());
        assertEquals("127.0.0.1:" + quorum.rpcPort(leader.nodeId()), redirected.getError().getLeaderEndpoint());

        BrokerHeartbeatResponse stale = quorum.stub(leader.nodeId()).brokerHeartbeat(BrokerHeartbeatRequest
                .newBuilder().setBrokerId(2).setBrokerEpoch(broker.epoch() - 1).setMetadataOffset(broker.epoch()).build());
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, stale.getError().getCode());
        assertTrue(stale.getError().getMessage().contains("register again"), stale.toString());

        BrokerHeartbeatResponse unknown = quorum.stub(leader.nodeId()).brokerHeartbeat(BrokerHeartbeatRequest
                .newBuilder().setBrokerId(77).setBrokerEpoch(1).build());
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, unknown.getError().getCode());
        assertEquals(Set.of(1, 2, 3), Set.copyOf(quorum.awaitLeader().image().activeBrokerIds()));
    }

    @Test
    void aLeaderReadyNoticeThatArrivesAfterTheLeadershipEndedStartsNoDuties() {
        ControllerNode leader = quorum.awaitLeader();
        ControllerNode follower = quorum.aFollower();
        // Ratis announces readiness from its apply thread; a step-down on another thread can
        // announce "not leader" first. The late notice must not make a follower act as leader.
        follower.leadership().leaderReady();

        assertFalse(follower.isActive(), "a follower told it is ready to lead runs no leader duties");
        BrokerHeartbeatResponse redirected = quorum.stub(follower.nodeId()).brokerHeartbeat(BrokerHeartbeatRequest
                .newBuilder().setBrokerId(1).setBrokerEpoch(brokers.get(0).epoch())
                .setMetadataOffset(brokers.get(0).epoch()).build());
        assertEquals(ErrorCode.NOT_CONTROLLER, redirected.getError().getCode());
        assertEquals(leader.nodeId(), redirected.getError().getLeaderId());
        assertTrue(leader.isActive());
        assertEquals(List.of(1, 2, 3), leader.image().activeBrokerIds());
    }

    @Test
    void aNewActiveControllerGivesEveryBrokerAFreshSession() {
        ControllerNode leader = quorum.awaitLeader();
        // What a broker watching a controller that outlives the change sees, replayed image by image:
        // a fence undone by the next heartbeat would leave the final image clean but show up here.
        ControllerNode observed = quorum.aFollower();
        long registered = observed.image().offset();
        ImageReplay seen = new ImageReplay(MetadataStream.open(quorum, observed.nodeId(), -1));
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.catchUp().offset() >= registered);
        assertEquals(Set.of(), seen.everFenced(), "no broker is fenced before the change");

        quorum.stop(leader.nodeId());
        ControllerNode next = quorum.awaitLeader();
        assertTrue(next.nodeId() != leader.nodeId());
        // The brokers find the new leader through NOT_CONTROLLER redirects.
        await().atMost(Duration.ofSeconds(5)).until(() -> brokers.stream().allMatch(b -> !b.heartbeat().getFenced()));
        // Had the new leader started any broker's session late or not at all, its liveness check
        // (every 50 ms) would fence it within a session timeout: watch for twice that.
        await().during(Duration.ofMillis(2 * SESSION_TIMEOUT_MS)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertEquals(Set.of(), seen.catchUp().everFenced(), "brokers fenced across the controller change"));
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.catchUp().offset() == next.image().offset());
        assertEquals(Set.of(), seen.everFenced(), "brokers fenced across the controller change");
        assertEquals(List.of(1, 2, 3), next.image().activeBrokerIds());
    }

    /** Replays a WatchMetadata stream into images and remembers every broker any of them showed fenced. */
    private static final class ImageReplay {

        private final MetadataStream stream;
        private final Set<Integer> everFenced = new TreeSet<>();
        private MetadataImage image = MetadataImage.empty();

        ImageReplay(MetadataStream stream) {
            this.stream = stream;
        }

        /** Applies what has arrived. Thread-safe (Awaitility polls from its own thread). */
        synchronized ImageReplay catchUp() {
            while (!stream.isEmpty()) {
                WatchMetadataResponse message = stream.next();
                image = message.hasSnapshot() ? MetadataSnapshots.fromSnapshot(message.getSnapshot())
                        : image.apply(message.getBatch());
                image.brokers().values().stream().filter(BrokerRegistration::fenced)
                        .forEach(broker -> everFenced.add(broker.id()));
            }
            return this;
        }

        synchronized long offset() {
            return image.offset();
        }

        synchronized Set<Integer> everFenced() {
            return Set.copyOf(everFenced);
        }
    }
}
