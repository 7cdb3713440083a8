package io.wharf.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.AllocateProducerIdsRequest;
import io.wharf.proto.controller.AllocateProducerIdsResponse;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.CreateTopicsRequest;
import io.wharf.proto.controller.CreateTopicsResponse;
import io.wharf.proto.controller.DescribeClusterRequest;
import io.wharf.proto.controller.DescribeClusterResponse;
import io.wharf.proto.controller.DescribeTopicsRequest;
import io.wharf.proto.controller.DescribeTopicsResponse;
import io.wharf.proto.controller.ListTopicsRequest;
import io.wharf.proto.controller.WatchMetadataResponse;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three controllers in one JVM that stay up for every test here: writes, reads and the metadata stream. */
class QuorumReplicationTest {

    @TempDir
    static Path dir;
    static InProcessQuorum quorum;

    @BeforeAll
    static void startQuorumWithThreeActiveBrokers() {
        // Sessions long enough that the fake brokers stay active without heartbeating in the background.
        quorum = new InProcessQuorum(3, dir, Map.of(ControllerConfig.BROKER_SESSION_TIMEOUT_MS, "600000")).startAll();
        quorum.awaitLeader();
        for (int id = 1; id <= 3; id++) {
            FakeBroker broker = new FakeBroker(quorum, id);
            broker.register(id);
            await().atMost(Duration.ofSeconds(10)).until(() -> !broker.heartbeat().getFenced());
        }
    }

    @AfterAll
    static void stopQuorum() {
        quorum.close();
    }

    static CreateTopicsRequest create(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        return CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName(name).setPartitions(partitions)
                .setReplicationFactor(replicationFactor).putAllConfigs(configs)).build();
    }

    @Test
    void oneLeaderAndEveryControllerDescribesTheSameCluster() {
        ControllerNode leader = quorum.awaitLeader();
        for (int id : quorum.ids()) {
            DescribeClusterResponse cluster = quorum.stub(id).describeCluster(DescribeClusterRequest.getDefaultInstance());
            assertEquals(leader.nodeId(), cluster.getLeaderId());
            assertEquals(3, cluster.getControllersCount());
            for (ControllerInfo controller : cluster.getControllersList()) {
                assertEquals(controller.getId() == leader.nodeId() ? "leader" : "follower", controller.getRole());
                assertEquals("127.0.0.1:" + quorum.rpcPort(controller.getId()), controller.getAddress());
                assertTrue(controller.getTerm() >= 1, controller.toString());
                assertTrue(controller.getAppliedIndex() >= 1, controller.toString());
            }
            assertEquals(List.of(1, 2, 3), cluster.getBrokersList().stream().map(BrokerInfo::getId).toList());
            for (BrokerInfo broker : cluster.getBrokersList()) {
                assertEquals(BrokerState.ACTIVE, broker.getState());
                // Followers forward to the active controller, which knows heartbeat ages.
                assertTrue(broker.getMsSinceHeartbeat() >= 0, broker.toString());
            }
        }
    }

    @Test
    void aBrokersOnlyDescriptionLeavesTheControllersOutAndKeepsTheLeaderAndHeartbeatAges() {
        ControllerNode leader = quorum.awaitLeader();
        DescribeClusterRequest brokersOnly = DescribeClusterRequest.newBuilder().setBrokersOnly(true).build();
        for (int id : quorum.ids()) {
            DescribeClusterResponse cluster = quorum.stub(id).describeCluster(brokersOnly);
            assertEquals(0, cluster.getControllersCount(), cluster.toString());
            assertEquals(leader.nodeId(), cluster.getLeaderId());
            assertTrue(cluster.getMetadataOffset() >= 0, cluster.toString());
            assertEquals(List.of(1, 2, 3), cluster.getBrokersList().stream().map(BrokerInfo::getId).toList());
            for (BrokerInfo broker : cluster.getBrokersList()) {
                assertEquals(BrokerState.ACTIVE, broker.getState());
                assertTrue(broker.getMsSinceHeartbeat() >= 0, broker.toString());
            }
        }
    }

    @Test
    void producerIdBlocksFromEveryControllerAreDisjointAndReplicated() {
        DescribeClusterResponse cluster = quorum.stub(1).describeCluster(DescribeClusterRequest.getDefaultInstance());
        long epoch = cluster.getBrokersList().stream().filter(b -> b.getId() == 2).findFirst().orElseThrow().getEpoch();
        List<Long> starts = new java.util.ArrayList<>();
        for (int id : quorum.ids()) {
            AllocateProducerIdsResponse block = quorum.stub(id).allocateProducerIds(
                    AllocateProducerIdsRequest.newBuilder().setBrokerId(2).setBrokerEpoch(epoch).build());
            assertEquals(ErrorCode.NONE, block.getError().getCode(), block.toString());
            assertTrue(block.getProducerIdCount() > 0, block.toString());
            for (long earlier : starts) {
                assertTrue(block.getProducerIdStart() >= earlier + block.getProducerIdCount(),
                        "block " + block.getProducerIdStart() + " overlaps the one starting at " + earlier);
            }
            starts.add(block.getProducerIdStart());
        }
        AllocateProducerIdsResponse stale = quorum.stub(1).allocateProducerIds(
                AllocateProducerIdsRequest.newBuilder().setBrokerId(2).setBrokerEpoch(epoch - 1).build());
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, stale.getError().getCode());
        assertEquals(-1, stale.getProducerIdStart());

        quorum.awaitConverged();
        long next = quorum.awaitLeader().image().nextProducerId();
        assertTrue(next > starts.get(starts.size() - 1), "the counter " + next + " must pass every block handed out");
    }

    @Test
    void createThroughAFollowerIsReadableEverywhereAtOnceAndImagesConverge() {
        ControllerNode follower = quorum.aFollower();
        CreateTopicsResponse created = quorum.stub(follower.nodeId())
                .createTopics(create("orders", 6, 3, Map.of("retention.ms", "60000")));
        assertEquals(ErrorCode.NONE, created.getResults(0).getError().getCode(), created.toString());

        for (int id : quorum.ids()) {
            DescribeTopicsResponse described = quorum.stub(id)
                    .describeTopics(DescribeTopicsRequest.newBuilder().addNames("orders").build());
            assertEquals(1, described.getTopicsCount(), "controller " + id + ": " + described);
            assertEquals(6, described.getTopics(0).getPartitionsCount());
            assertEquals("60000", described.getTopics(0).getConfigsOrThrow("retention.ms"));
            assertTrue(quorum.stub(id).listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList().contains("orders"));
        }
        quorum.awaitConverged();
        assertTrue(quorum.awaitLeader().image().topic("orders").isPresent());
    }

    @Test
    void badInputGetsItsCodeAndChangesNothing() {
        ControllerNode leader = quorum.awaitLeader();
        int via = quorum.aFollower().nodeId();
        assertEquals(ErrorCode.NONE, quorum.stub(via).createTopics(create("existing", 1, 1, Map.of()))
                .getResults(0).getError().getCode());
        quorum.awaitConverged();
        MetadataImage before = leader.image();

        Map<CreateTopicsRequest, ErrorCode> badCreates = Map.of(
                create("existing", 1, 1, Map.of()), ErrorCode.TOPIC_ALREADY_EXISTS,
                create("", 1, 1, Map.of()), ErrorCode.INVALID_TOPIC_NAME,
                create("..", 1, 1, Map.of()), ErrorCode.INVALID_TOPIC_NAME,
                create("a/b", 1, 1, Map.of()), ErrorCode.INVALID_TOPIC_NAME,
                create("x".repeat(250), 1, 1, Map.of()), ErrorCode.INVALID_TOPIC_NAME,
                create("zero", 0, 1, Map.of()), ErrorCode.INVALID_PARTITIONS,
                create("negative", -3, 1, Map.of()), ErrorCode.INVALID_PARTITIONS,
                create("too-wide", 1, 4, Map.of()), ErrorCode.INVALID_REPLICATION_FACTOR,
                create("bad-config", 1, 1, Map.of("retention.ms", "soon")), ErrorCode.INVALID_CONFIG,
                create("unknown-config", 1, 1, Map.of("no.such.key", "1")), ErrorCode.INVALID_CONFIG);
        for (Map.Entry<CreateTopicsRequest, ErrorCode> bad : badCreates.entrySet()) {
            for (int id : quorum.ids()) {
                CreateTopicsResponse response = quorum.stub(id).createTopics(bad.getKey());
                assertEquals(bad.getValue(), response.getResults(0).getError().getCode(), response.toString());
                assertFalse(response.getResults(0).getError().getMessage().isBlank());
            }
        }
        assertEquals(ErrorCode.UNKNOWN_TOPIC, quorum.stub(via).deleteTopics(
                io.wharf.proto.controller.DeleteTopicsRequest.newBuilder().addNames("missing").build())
                .getResults(0).getError().getCode());
        DescribeTopicsResponse described = quorum.stub(via).describeTopics(
                DescribeTopicsRequest.newBuilder().addNames("missing").addNames("existing").build());
        assertEquals(List.of("existing"), described.getTopicsList().stream().map(t -> t.getName()).toList());
        assertEquals(ErrorCode.UNKNOWN_TOPIC, described.getErrors(0).getError().getCode());
        assertEquals("missing", described.getErrors(0).getName());
        assertEquals(ErrorCode.INVALID_REQUEST, quorum.stub(via).registerBroker(
                io.wharf.proto.controller.RegisterBrokerRequest.newBuilder().setBrokerId(-1).setHost("h").setPort(1).build())
                .getError().getCode());
        assertEquals(ErrorCode.UNKNOWN_BROKER, quorum.stub(via).controlledShutdown(
                io.wharf.proto.controller.ControlledShutdownRequest.newBuilder().setBrokerId(42).setBrokerEpoch(1).build())
                .getError().getCode());
        StatusRuntimeException badWatch = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> quorum.stub(via).watchMetadata(io.wharf.proto.controller.WatchMetadataRequest.newBuilder()
                        .setFromOffset(-7).build()).hasNext());
        assertEquals(Status.Code.INVALID_ARGUMENT, badWatch.getStatus().getCode());

        quorum.awaitConverged();
        for (ControllerNode node : quorum.running()) {
            assertEquals(before, node.image(), "controller " + node.nodeId());
        }
    }

    @Test
    void watchFromMinusOneGetsASnapshotThenEveryLaterBatch() {
        int via = quorum.aFollower().nodeId();
        MetadataStream stream = MetadataStream.open(quorum, via, -1);
        try {
            WatchMetadataResponse first = stream.next();
            assertTrue(first.hasSnapshot(), first.toString());
            long snapshotOffset = first.getSnapshot().getOffset();
            assertEquals(MetadataImage.empty().apply(io.wharf.proto.metadata.MetadataRecordBatch.newBuilder()
                            .setOffset(snapshotOffset).addAllRecords(first.getSnapshot().getRecordsList()).build()),
                    io.wharf.metadata.MetadataSnapshots.fromSnapshot(first.getSnapshot()));

            assertEquals(ErrorCode.NONE, quorum.stub(via).createTopics(create("watched", 2, 2, Map.of()))
                    .getResults(0).getError().getCode());
            WatchMetadataResponse next = stream.next();
            assertTrue(next.hasBatch(), next.toString());
            assertTrue(next.getBatch().getOffset() > snapshotOffset);
            assertTrue(next.getBatch().getRecordsList().stream().anyMatch(
                    record -> record.getRecordCase() == MetadataRecord.RecordCase.TOPIC
                            && record.getTopic().getName().equals("watched")), next.toString());
        } finally {
            stream.cancel();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> quorum.node(via).watcherCount() == 0);
    }

    @Test
    void watchFromARecentOffsetGetsOnlyLaterBatches() {
        int via = quorum.aFollower().nodeId();
        assertEquals(ErrorCode.NONE, quorum.stub(via).createTopics(create("resume-a", 1, 1, Map.of()))
                .getResults(0).getError().getCode());
        // The active controller applied the command before answering; the follower may not have yet.
        long resumeFrom = quorum.awaitLeader().image().offset();
        assertEquals(ErrorCode.NONE, quorum.stub(via).createTopics(create("resume-b", 1, 1, Map.of()))
                .getResults(0).getError().getCode());

        MetadataStream stream = MetadataStream.open(quorum, via, resumeFrom);
        try {
            WatchMetadataResponse first = stream.next();
            assertTrue(first.hasBatch(), "expected a batch, not a snapshot: " + first);
            assertTrue(first.getBatch().getOffset() > resumeFrom);
            assertEquals("resume-b", first.getBatch().getRecords(0).getTopic().getName());
        } finally {
            stream.cancel();
        }
    }
}
