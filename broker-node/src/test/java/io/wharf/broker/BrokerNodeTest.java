package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wharf.controller.FreePorts;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.MetadataViews;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicImage;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.DescribeMetadataRequest;
import io.wharf.proto.broker.DescribeMetadataResponse;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerNodeTest {

    private static final int ID = 1;

    @TempDir
    Path dataDir;

    private FakeQuorum quorum;
    private BrokerNode node;

    @AfterEach
    void tearDown() {
        if (node != null) {
            node.close();
        }
        if (quorum != null) {
            quorum.close();
        }
    }

    @Test
    void registersThenIsUnfencedOnceItsMetadataReachesItsEpoch() throws Exception {
        quorum = FakeQuorum.start(3);
        node = start(quorum.bootstrap(), Map.of());
        await().atMost(Duration.ofSeconds(10)).until(node::isActive);

        List<FakeController.Call> registrations = quorum.controller(1).calls("RegisterBroker");
        assertEquals(1, registrations.size());
        long epoch = registrations.get(0).brokerEpoch();
        assertEquals(epoch, node.brokerEpoch());
        assertEquals(BrokerLifecycle.State.ACTIVE, node.lifecycleState());
        assertTrue(quorum.controller(1).calls("BrokerHeartbeat").stream()
                .anyMatch(call -> call.brokerEpoch() == epoch && call.offset() >= epoch));
        assertTrue(quorum.image().isActive(ID));
        assertEquals(node.config().advertisedHost(), quorum.image().broker(ID).orElseThrow().host());
        assertEquals(node.rpcPort(), quorum.image().broker(ID).orElseThrow().port());
        assertTrue(node.metadata().localView().isActive());
    }

    /**
     * With a fixed port the broker registers that port while it is still starting; whenever it
     * asked to be unfenced, its endpoint answered (BrokerLifecycleDriverTest holds the driver to
     * the rule without depending on how fast the node starts).
     */
    @Test
    void withAFixedPortItRegistersThatPortAndAsksToBeUnfencedOnlyWhileServing() throws Exception {
        quorum = FakeQuorum.start(1);
        int port = FreePorts.one();
        node = start(quorum.bootstrap(), Map.of(BrokerConfig.RPC_PORT, Integer.toString(port)));
        await().atMost(Duration.ofSeconds(10)).until(node::isActive);

        assertEquals(port, quorum.image().broker(ID).orElseThrow().port());
        List<FakeController.Call> heartbeats = quorum.controller(1).calls("BrokerHeartbeat");
        assertTrue(heartbeats.stream().anyMatch(call -> !call.wantFence()), "it asked to be unfenced");
        assertTrue(heartbeats.stream().filter(call -> !call.wantFence()).allMatch(FakeController.Call::brokerServing),
                "every heartbeat asking to be unfenced came while its endpoint answered: " + heartbeats);
    }

    @Test
    void registersAgainWhenTheControllerCallsItsEpochStaleAndKeepsTheEpochItsIncarnationHolds() throws Exception {
        quorum = FakeQuorum.start(1);
        node = start(quorum.bootstrap(), Map.of());
        await().atMost(Duration.ofSeconds(10)).until(node::isActive);
        long firstEpoch = node.brokerEpoch();

        quorum.controller(1).staleHeartbeats.set(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> quorum.controller(1).calls("RegisterBroker").size() == 2);
        await().atMost(Duration.ofSeconds(10)).until(node::isActive);
        // The same process registered again: the controllers answered the epoch they hold for it.
        assertEquals(firstEpoch, node.brokerEpoch());
        assertEquals(firstEpoch, quorum.image().broker(ID).orElseThrow().epoch());
    }

    @Test
    void aRegistrationCommittedAfterTheBrokerGaveUpOnItLeavesTheEpochAlone() throws Exception {
        quorum = FakeQuorum.start(2);
        // Past the broker's 1000 ms deadline: it moves on to controller 2 and registers there.
        quorum.controller(1).registrationCommitDelayMs = 1500;
        node = start(quorum.bootstrap(), Map.of());
        await().atMost(Duration.ofSeconds(10)).until(node::isActive);
        long epoch = node.brokerEpoch();
        assertEquals(List.of(epoch), quorum.controller(2).calls("RegisterBroker").stream()
                .map(FakeController.Call::brokerEpoch).toList());

        // Controller 1 commits the abandoned attempt: a retry of the same incarnation, not a restart.
        await().atMost(Duration.ofSeconds(10)).until(() -> !quorum.controller(1).calls("RegisterBroker").isEmpty());
        assertEquals(epoch, quorum.controller(1).calls("RegisterBroker").get(0).brokerEpoch());
        assertEquals(1, quorum.log().stream().flatMap(batch -> batch.getRecordsList().stream())
                .filter(record -> record.hasRegisterBroker()).count());
        assertEquals(epoch, quorum.image().broker(ID).orElseThrow().epoch());
        assertTrue(node.isActive());
        assertEquals(epoch, node.brokerEpoch());
    }

    @Test
    void findsTheLeaderPastADeadControllerAndFollowerRedirects() throws Exception {
        quorum = FakeQuorum.start(3);
        quorum.setLeader(3);
        String bootstrap = "127.0.0.1:" + FreePorts.one() + "," + quorum.bootstrap();
        node = start(bootstrap, Map.of());
        await().atMost(Duration.ofSeconds(10)).until(node::isActive);
        assertFalse(quorum.controller(3).calls("BrokerHeartbeat").isEmpty());
        assertTrue(quorum.controller(2).calls("BrokerHeartbeat").isEmpty());
    }

    @Test
    void describeMetadataAnswersFromTheBrokersImage() throws Exception {
        quorum = FakeQuorum.start(1);
        node = start(quorum.bootstrap(), Map.of());
        await().atMost(Duration.ofSeconds(10)).until(node::isActive);
        quorum.addActiveBroker(7);
        quorum.createTopic("orders", 3, 2);
        quorum.createTopic("audit", 1, 1);
        MetadataImage expected = quorum.image();
        await().atMost(Duration.ofSeconds(10)).until(() -> node.metadataImage().offset() == expected.offset());

        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.rpcPort()).usePlaintext().build();
        try {
            BrokerServiceGrpc.BrokerServiceBlockingStub stub = BrokerServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS);
            DescribeMetadataResponse all = stub.describeMetadata(DescribeMetadataRequest.getDefaultInstance());
            assertEquals(ID, all.getBrokerId());
            assertEquals(expected.offset(), all.getMetadataOffset());
            assertEquals(List.of(1, 7), all.getBrokersList().stream().map(BrokerInfo::getId).toList());
            for (BrokerInfo broker : all.getBrokersList()) {
                assertEquals(BrokerState.ACTIVE, broker.getState());
                assertEquals(-1, broker.getMsSinceHeartbeat());
                assertEquals(expected.broker(broker.getId()).orElseThrow().epoch(), broker.getEpoch());
            }
            assertEquals(List.of(describe(expected, "audit"), describe(expected, "orders")), all.getTopicsList());

            DescribeMetadataResponse some = stub.describeMetadata(DescribeMetadataRequest.newBuilder()
                    .addTopics("orders").addTopics("missing").build());
            assertEquals(List.of(describe(expected, "orders")), some.getTopicsList());
            assertEquals(2, some.getBrokersCount());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void closeHandsLeadershipsAwayBeforeStopping() throws Exception {
        quorum = FakeQuorum.start(3);
        node = start(quorum.bootstrap(), Map.of());
        await().atMost(Duration.ofSeconds(10)).until(node::isActive);
        quorum.addActiveBroker(7);
        quorum.createTopic("orders", 4, 2);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !node.metadata().localView().leaderships().isEmpty());
        long epoch = node.brokerEpoch();

        node.close();

        assertEquals(BrokerLifecycle.State.STOPPED, node.lifecycleState());
        List<FakeController.Call> shutdowns = quorum.controllers().stream()
                .flatMap(c -> c.calls("ControlledShutdown").stream()).toList();
        assertEquals(1, shutdowns.size());
        assertEquals(epoch, shutdowns.get(0).brokerEpoch());
        MetadataImage after = quorum.image();
        assertTrue(after.broker(ID).orElseThrow().fenced());
        for (TopicImage topic : after.topics().values()) {
            for (PartitionState partition : topic.partitions().values()) {
                assertEquals(7, partition.leader(), topic.name() + "-" + partition.partition());
            }
        }
    }

    @Test
    void closeFinishesWhenNoControllerIsReachable() throws Exception {
        quorum = FakeQuorum.start(2);
        node = start(quorum.bootstrap(), Map.of(BrokerConfig.CONTROLLED_SHUTDOWN_TIMEOUT_MS, "500"));
        await().atMost(Duration.ofSeconds(10)).until(node::isActive);
        quorum.close();

        long startNanos = System.nanoTime();
        node.close();
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);

        assertEquals(BrokerLifecycle.State.STOPPED, node.lifecycleState());
        assertTrue(tookMs < 5_000, "close took " + tookMs + " ms");
        node.awaitStopped();
    }

    private static io.wharf.proto.common.TopicDescription describe(MetadataImage image, String topic) {
        return MetadataViews.toTopicDescription(image.topic(topic).orElseThrow());
    }

    private BrokerNode start(String bootstrap, Map<String, String> extra) throws Exception {
        Map<String, String> values = new HashMap<>(testConfig(ID, bootstrap, dataDir));
        values.putAll(extra);
        BrokerNode started = new BrokerNode(BrokerConfig.from(values));
        started.start();
        return started;
    }

    /** A broker config with fast timings for in-process tests. */
    static Map<String, String> testConfig(int id, String bootstrap, Path dataDir) {
        return Map.of(
                BrokerConfig.NODE_ID, Integer.toString(id),
                BrokerConfig.RPC_PORT, "0",
                BrokerConfig.CONTROLLER_BOOTSTRAP, bootstrap,
                BrokerConfig.DATA_DIR, dataDir.resolve("broker-" + id).toString(),
                BrokerConfig.HEARTBEAT_INTERVAL_MS, "50",
                BrokerConfig.CONTROLLER_REQUEST_TIMEOUT_MS, "1000",
                BrokerConfig.CONTROLLER_RETRY_BACKOFF_MS, "20",
                BrokerConfig.CONTROLLED_SHUTDOWN_TIMEOUT_MS, "3000");
    }
}
