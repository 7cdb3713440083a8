package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wharf.cli.cluster.NodeName;
import io.wharf.client.Endpoint;
import io.wharf.client.admin.NewTopic;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.FindCoordinatorRequest;
import io.wharf.proto.broker.FindCoordinatorResponse;
import io.wharf.proto.broker.GroupHeartbeatRequest;
import io.wharf.proto.broker.GroupHeartbeatResponse;
import io.wharf.proto.broker.GroupTopicPartitions;
import io.wharf.proto.broker.OffsetCommitPartition;
import io.wharf.proto.broker.OffsetCommitRequest;
import io.wharf.proto.broker.OffsetCommitResponse;
import io.wharf.proto.broker.OffsetFetchRequest;
import io.wharf.proto.broker.OffsetFetchResponse;
import io.wharf.proto.broker.OwnedPartitions;
import io.wharf.proto.broker.TopicNames;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGKILL the group coordinator's broker, round after round, while a member commits offsets: the
 * group resumes on the new coordinator with the same member and epoch (not fenced, no rejoin), and
 * no committed offset ever reads back lower than one acknowledged before, nor than one read before.
 * The seed is logged; rerun with {@code -Dwharf.groupKills.seed=<seed>}.
 */
class GroupCoordinatorKillsTest {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinatorKillsTest.class);
    private static final long SEED = Long.getLong("wharf.groupKills.seed", System.nanoTime());
    private static final int ROUNDS = Integer.getInteger("wharf.groupKills.rounds", 2);
    private static final String TOPIC = "ad-clicks";
    private static final String GROUP = "settlement";
    private static final int PARTITIONS = 3;

    private ProcessCluster cluster;
    private final Map<Integer, ManagedChannel> channels = new HashMap<>();

    @AfterEach
    void stop() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killingTheCoordinatorLosesNoMemberEpochOrAcknowledgedOffset() {
        LOG.info("group coordinator kills: seed {}, {} rounds", SEED, ROUNDS);
        Random random = new Random(SEED);
        cluster = ProcessCluster.start("group-kills", 29600, 3, 3, Map.of("offsets.topic.num.partitions", "3"));
        assertTrue(cluster.admin().createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, 3,
                Map.of("min.insync.replicas", "2")))).get(0).succeeded());
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> cluster.fullyReplicated(TOPIC));

        GroupHeartbeatResponse joined = call(stub -> stub.groupHeartbeat(GroupHeartbeatRequest.newBuilder()
                .setGroupId(GROUP).setMemberId("member-1").setMemberEpoch(0)
                .setSubscribedTopicNames(TopicNames.newBuilder().addNames(TOPIC))
                .setOwnedPartitions(OwnedPartitions.getDefaultInstance()).build()), r -> r.getError().getCode());
        int epoch = joined.getMemberEpoch();
        assertEquals(PARTITIONS, joined.getAssignment(0).getPartitionsCount(), "a lone member gets every partition");
        OwnedPartitions owned = OwnedPartitions.newBuilder().addTopics(GroupTopicPartitions.newBuilder()
                .setTopic(TOPIC).addAllPartitions(List.of(0, 1, 2))).build();

        long[] acknowledged = new long[PARTITIONS];
        long[] highestRead = new long[PARTITIONS];
        long next = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            for (int i = 0; i < 20; i++) {
                int partition = random.nextInt(PARTITIONS);
                long offset = ++next;
                OffsetCommitResponse committed = call(stub -> stub.offsetCommit(commit(epoch, partition, offset)),
                        r -> r.getError().getCode());
                assertEquals(ErrorCode.NONE, committed.getPartitions(0).getError().getCode(), committed.toString());
                acknowledged[partition] = offset;
            }
            int coordinator = coordinator();
            NodeName victim = cluster.broker(coordinator);
            LOG.info("round {}: SIGKILL {}, the coordinator of {}; acknowledged offsets {}", round, victim, GROUP,
                    java.util.Arrays.toString(acknowledged));
            assertTrue(cluster.launcher().kill(victim));
            channels.remove(coordinator).shutdownNow();

            long killedAt = System.nanoTime();
            GroupHeartbeatResponse resumed = call(stub -> stub.groupHeartbeat(GroupHeartbeatRequest.newBuilder()
                    .setGroupId(GROUP).setMemberId("member-1").setMemberEpoch(epoch).setOwnedPartitions(owned)
                    .build()), r -> r.getError().getCode());
            LOG.info("round {}: the member heartbeated on broker {} {} ms after the kill", round, coordinator(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            assertEquals(epoch, resumed.getMemberEpoch(), "the new coordinator knows the member at its epoch");
            assertEquals(PARTITIONS, resumed.getAssignment(0).getPartitionsCount());

            OffsetFetchResponse read = call(stub -> stub.offsetFetch(OffsetFetchRequest.newBuilder().setGroupId(GROUP)
                    .build()), r -> r.getError().getCode());
            for (var offset : read.getOffsetsList()) {
                int p = offset.getPartition();
                assertTrue(offset.getOffset() >= acknowledged[p], "partition " + p + " reads " + offset.getOffset()
                        + " after the kill, below the acknowledged " + acknowledged[p] + " (seed " + SEED + ")");
                assertTrue(offset.getOffset() >= highestRead[p], "partition " + p + " went back from "
                        + highestRead[p] + " to " + offset.getOffset() + " (seed " + SEED + ")");
                highestRead[p] = offset.getOffset();
            }
            assertTrue(cluster.launcher().start(victim));
            await("all brokers back in sync").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> cluster.fullyReplicated(TOPIC) && cluster.fullyReplicated("__consumer_offsets"));
        }
    }

    private static OffsetCommitRequest commit(int epoch, int partition, long offset) {
        return OffsetCommitRequest.newBuilder().setGroupId(GROUP).setMemberId("member-1").setMemberEpoch(epoch)
                .addPartitions(OffsetCommitPartition.newBuilder().setTopic(TOPIC).setPartition(partition)
                        .setOffset(offset).setLeaderEpoch(-1)).build();
    }

    /** The coordinator's broker id, once one is known and answers. */
    private int coordinator() {
        int[] found = new int[1];
        await("a coordinator for " + GROUP).atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            for (int id = 1; id <= 3; id++) {
                if (!cluster.launcher().isRunning(cluster.broker(id))) {
                    continue;
                }
                FindCoordinatorResponse response = stub(id).findCoordinator(FindCoordinatorRequest.newBuilder()
                        .setGroupId(GROUP).build());
                if (response.getError().getCode() == ErrorCode.NONE
                        && cluster.launcher().isRunning(cluster.broker(response.getCoordinatorId()))) {
                    found[0] = response.getCoordinatorId();
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** Sends to the coordinator until an answer without a retriable group error comes back. */
    private <R> R call(java.util.function.Function<BrokerServiceGrpc.BrokerServiceBlockingStub, R> rpc,
                       java.util.function.Function<R, ErrorCode> errorOf) {
        Object[] answer = new Object[1];
        await("an answer from the coordinator").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    try {
                        R response = rpc.apply(stub(coordinator()));
                        ErrorCode code = errorOf.apply(response);
                        if (code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE
                                || code == ErrorCode.REQUEST_TIMED_OUT) {
                            return false;
                        }
                        answer[0] = response;
                        return true;
                    } catch (StatusRuntimeException e) {
                        return false;
                    }
                });
        @SuppressWarnings("unchecked")
        R response = (R) answer[0];
        return response;
    }

    private BrokerServiceGrpc.BrokerServiceBlockingStub stub(int brokerId) {
        ManagedChannel channel = channels.computeIfAbsent(brokerId, id -> {
            Endpoint endpoint = cluster.launcher().topology().brokerEndpoints().get(id - 1);
            return NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port()).usePlaintext().build();
        });
        return BrokerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    }
}
