package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.wharf.broker.group.OffsetsTopic;
import io.wharf.broker.metrics.Exposition;
import io.wharf.group.GroupsImage;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.DescribeGroupRequest;
import io.wharf.proto.broker.DescribeGroupResponse;
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
import io.wharf.proto.broker.ProducePartition;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.broker.TopicNames;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group coordinator on three real brokers: members split a topic's partitions without a
 * partition ever held twice, commits are fenced by member epoch, every replica of the group's
 * partition of __consumer_offsets replays the same state, and a new coordinator after the old one
 * stopped serves the same members, epochs and offsets at once.
 */
class GroupCoordinatorTest {

    private static final String TOPIC = "ad-clicks";

    // One cluster for the class (a cluster start is most of a test's time): each test has a group
    // of its own, and a broker a test stopped is started again before the next one.
    @TempDir
    static Path dir;
    private static InProcessCluster cluster;
    private static final Map<String, String> BROKER_OVERRIDES = Map.of(BrokerConfig.OFFSETS_TOPIC_NUM_PARTITIONS, "3",
            BrokerConfig.REPLICA_FETCH_MAX_WAIT_MS, "200",
            BrokerConfig.GROUP_MIN_SESSION_TIMEOUT_MS, "1000", BrokerConfig.GROUP_SESSION_TIMEOUT_MS, "20000",
            BrokerConfig.GROUP_MIN_HEARTBEAT_INTERVAL_MS, "100", BrokerConfig.GROUP_HEARTBEAT_INTERVAL_MS, "200",
            BrokerConfig.METRICS_PORT, "0");
    private static int groups;
    private final String group = "settlement-" + ++groups;

    /** One simulated member: owns exactly what its last successful heartbeat gave it. */
    private final class Member {
        final String id;
        int epoch;
        Set<String> owned = new TreeSet<>();

        Member(String id) {
            this.id = id;
        }

        GroupHeartbeatResponse join() {
            return send(joining().build());
        }

        /** Joins asking for a session of {@code sessionMs}. */
        GroupHeartbeatResponse join(int sessionMs) {
            return send(joining().setSessionTimeoutMs(sessionMs).build());
        }

        private GroupHeartbeatRequest.Builder joining() {
            return GroupHeartbeatRequest.newBuilder().setGroupId(group).setMemberId(id).setMemberEpoch(0)
                    .setSubscribedTopicNames(TopicNames.newBuilder().addNames(TOPIC))
                    .setOwnedPartitions(OwnedPartitions.getDefaultInstance());
        }

        /** Joins asking for a heartbeat interval of {@code intervalMs}, which caps how long a heartbeat is held. */
        GroupHeartbeatResponse joinWithInterval(int intervalMs) {
            return send(joining().setHeartbeatIntervalMs(intervalMs).build());
        }

        GroupHeartbeatResponse heartbeat() {
            return send(regular().build());
        }

        /** A heartbeat the coordinator may hold up to {@code maxWaitMs}, sent on another thread. */
        CompletableFuture<GroupHeartbeatResponse> heldHeartbeat(int maxWaitMs) {
            GroupHeartbeatRequest request = regular().setMaxWaitMs(maxWaitMs).build();
            BrokerServiceGrpc.BrokerServiceBlockingStub stub = coordinatorStub();
            return CompletableFuture.supplyAsync(() -> stub.groupHeartbeat(request));
        }

        GroupHeartbeatResponse leave() {
            return send(GroupHeartbeatRequest.newBuilder().setGroupId(group).setMemberId(id).setMemberEpoch(-1)
                    .build());
        }

        private GroupHeartbeatRequest.Builder regular() {
            OwnedPartitions.Builder owns = OwnedPartitions.newBuilder();
            if (!owned.isEmpty()) {
                GroupTopicPartitions.Builder topic = GroupTopicPartitions.newBuilder().setTopic(TOPIC);
                owned.forEach(p -> topic.addPartitions(Integer.parseInt(p.substring(p.lastIndexOf('-') + 1))));
                owns.addTopics(topic);
            }
            return GroupHeartbeatRequest.newBuilder().setGroupId(group).setMemberId(id).setMemberEpoch(epoch)
                    .setOwnedPartitions(owns);
        }

        private GroupHeartbeatResponse send(GroupHeartbeatRequest request) {
            GroupHeartbeatResponse response = coordinatorStub().groupHeartbeat(request);
            if (response.getError().getCode() == ErrorCode.NONE) {
                epoch = response.getMemberEpoch();
                owned = partitions(response.getAssignmentList());
            }
            return response;
        }
    }

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new InProcessCluster(dir);
        cluster.startControllers(Map.of());
        cluster.startMissingBrokers(3, BROKER_OVERRIDES);
        cluster.createTopic(TOPIC, 3, Map.of());
    }

    @BeforeEach
    void brokersRun() throws Exception {
        cluster.startMissingBrokers(3, BROKER_OVERRIDES);
    }


    @AfterAll
    static void stopCluster() throws InterruptedException {
        cluster.close();
    }

    @Test
    void membersSplitThePartitionsAndNoPartitionIsEverOwnedByTwo() {
        Member a = new Member("member-a");
        assertEquals(ErrorCode.NONE, a.join().getError().getCode());
        assertEquals(Set.of(TOPIC + "-0", TOPIC + "-1", TOPIC + "-2"), a.owned, "a lone member gets every partition");

        Member b = new Member("member-b");
        Member c = new Member("member-c");
        assertEquals(ErrorCode.NONE, b.join().getError().getCode());
        assertEquals(ErrorCode.NONE, c.join().getError().getCode());
        List<Member> members = List.of(a, b, c);
        for (int round = 0; round < 20 && !everyoneOwnsOne(members); round++) {
            for (Member member : members) {
                assertEquals(ErrorCode.NONE, member.heartbeat().getError().getCode(), member.id);
                assertNoPartitionOwnedTwice(members);
            }
        }
        assertTrue(everyoneOwnsOne(members), "three members, three partitions: one each; got " + a.owned + " "
                + b.owned + " " + c.owned);
        DescribeGroupResponse described = coordinatorStub().describeGroup(DescribeGroupRequest.newBuilder()
                .setGroupId(group).build());
        assertEquals("STABLE", described.getState(), described.toString());
        assertEquals(3, described.getMembersCount());
        assertTrue(described.getMembersList().stream().allMatch(m -> m.getClientHost().startsWith("127.0.0.1:")),
                described.toString());
    }

    @Test
    void commitsAreFencedByMemberEpochAndEveryReplicaReplaysTheSameStateSoANewCoordinatorServesAtOnce()
            throws Exception {
        Member a = new Member("member-a");
        a.join();
        OffsetCommitResponse committed = commit(a.id, a.epoch, 0, 42);
        assertEquals(ErrorCode.NONE, committed.getPartitions(0).getError().getCode(), committed.toString());
        assertEquals(ErrorCode.FENCED_MEMBER_EPOCH, commit(a.id, a.epoch + 5, 1, 7).getPartitions(0).getError()
                .getCode(), "an epoch the member never had");
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID, commit("zombie", 1, 1, 7).getPartitions(0).getError().getCode());
        assertEquals(ErrorCode.NON_EMPTY_GROUP, commit("admin", -1, 1, 7).getPartitions(0).getError().getCode(),
                "an admin commit needs an empty group");
        assertEquals(Map.of(TOPIC + "-0", 42L), fetchOffsets());

        // Every replica of the group's partition replays the committed records.
        TopicPartition groupPartition = groupPartition();
        int coordinator = cluster.awaitLeader(groupPartition);
        GroupsImage onLeader = cluster.brokers().get(coordinator).groups().replayedState(groupPartition).orElseThrow();
        for (int id : cluster.brokers().keySet()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.brokers().get(id).groups()
                    .replayedState(groupPartition).map(onLeader::equals).orElse(false));
        }

        // The coordinator goes away; the new one knows the member, its epoch and the offset.
        cluster.stopBroker(coordinator);
        int successor = cluster.awaitLeader(groupPartition);
        assertFalse(successor == coordinator);
        int epochBefore = a.epoch;
        GroupHeartbeatResponse resumed = a.heartbeat();
        assertEquals(ErrorCode.NONE, resumed.getError().getCode(), "not fenced after the failover: " + resumed);
        assertEquals(epochBefore, resumed.getMemberEpoch());
        assertEquals(Set.of(TOPIC + "-0", TOPIC + "-1", TOPIC + "-2"), a.owned);
        assertEquals(Map.of(TOPIC + "-0", 42L), fetchOffsets());
        assertEquals(ErrorCode.NONE, commit(a.id, a.epoch, 0, 43).getPartitions(0).getError().getCode());
        assertEquals(Map.of(TOPIC + "-0", 43L), fetchOffsets(), "a committed offset only moves forward here");
    }

    @Test
    void aMemberThatStopsHeartbeatingLosesItsPartitionsToTheOthersAfterItsSession() {
        Member a = new Member("member-a");
        Member b = new Member("member-b");
        a.join(1000);
        b.join(1000);
        shareThePartitions(a, b);
        assertEquals(3, a.owned.size() + b.owned.size());
        assertFalse(b.owned.isEmpty());
        // b goes silent; a keeps heartbeating and gets b's partitions once b's 1 s session ran out.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
            a.heartbeat();
            return a.owned.size() == 3;
        });
        assertEquals(ErrorCode.FENCED_MEMBER_EPOCH, b.heartbeat().getError().getCode(),
                "the expired member must rejoin");
    }

    @Test
    void aHeldHeartbeatIsAnsweredAsSoonAsAnotherMemberLeaves() {
        Member a = new Member("member-a");
        Member b = new Member("member-b");
        a.joinWithInterval(10_000);
        b.joinWithInterval(10_000);
        shareThePartitions(a, b);
        int settled = b.epoch;
        b.heartbeat();
        assertEquals(settled, b.epoch, "b is stable before it sends a held heartbeat");
        Set<String> bOwnedBefore = b.owned;

        CompletableFuture<GroupHeartbeatResponse> held = b.heldHeartbeat(10_000);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !held.isDone());
        assertEquals(ErrorCode.NONE, a.leave().getError().getCode());

        await().atMost(Duration.ofSeconds(2)).until(held::isDone);
        GroupHeartbeatResponse answer = held.join();
        assertEquals(ErrorCode.NONE, answer.getError().getCode(), answer.toString());
        assertTrue(answer.getMemberEpoch() > settled, "a new epoch after the leave: " + answer);
        assertEquals(Set.of(TOPIC + "-0", TOPIC + "-1", TOPIC + "-2"), partitions(answer.getAssignmentList()),
                "b had " + bOwnedBefore + " and now gets every partition");
    }

    @Test
    void aHeldHeartbeatWithoutNewsIsAnsweredUnchangedWhenItsHoldEnds() {
        Member a = new Member("member-a");
        a.joinWithInterval(10_000);
        long start = System.nanoTime();
        CompletableFuture<GroupHeartbeatResponse> held = a.heldHeartbeat(1000);
        await().atMost(Duration.ofSeconds(5)).until(held::isDone);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs >= 900, "held for its max_wait_ms (1000), not " + tookMs + " ms");
        GroupHeartbeatResponse answer = held.join();
        assertEquals(ErrorCode.NONE, answer.getError().getCode(), answer.toString());
        assertEquals(a.epoch, answer.getMemberEpoch());
        assertEquals(a.owned, partitions(answer.getAssignmentList()));
    }

    @Test
    void aSecondHeartbeatOfTheSameMemberAnswersItsHeldOne() {
        Member a = new Member("member-a");
        a.joinWithInterval(10_000);
        CompletableFuture<GroupHeartbeatResponse> held = a.heldHeartbeat(10_000);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !held.isDone());
        assertEquals(ErrorCode.NONE, a.heartbeat().getError().getCode());
        await().atMost(Duration.ofSeconds(2)).until(held::isDone);
        assertEquals(ErrorCode.NONE, held.join().getError().getCode());
        assertEquals(a.epoch, held.join().getMemberEpoch());
        assertEquals(a.owned, partitions(held.join().getAssignmentList()));
    }

    @Test
    void aHeldHeartbeatItsClientCancelledLeavesTheCoordinatorServing() {
        Member a = new Member("member-a");
        a.joinWithInterval(10_000);
        GroupHeartbeatRequest request = a.regular().setMaxWaitMs(10_000).build();
        BrokerServiceGrpc.BrokerServiceBlockingStub stub = coordinatorStub();
        Context.CancellableContext call = Context.current().withCancellation();
        CompletableFuture<GroupHeartbeatResponse> held = CompletableFuture.supplyAsync(() -> {
            try {
                return call.call(() -> stub.groupHeartbeat(request));
            } catch (Exception cancelled) {
                return null; // cancelled, as intended
            }
        });
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !held.isDone());
        call.cancel(null);
        await().atMost(Duration.ofSeconds(2)).until(held::isDone);

        // Its next heartbeat answers the cancelled one on the coordinator thread, which goes on serving.
        assertEquals(ErrorCode.NONE, a.heartbeat().getError().getCode());
        CompletableFuture<GroupHeartbeatResponse> next = a.heldHeartbeat(500);
        await().atMost(Duration.ofSeconds(5)).until(next::isDone);
        assertEquals(ErrorCode.NONE, next.join().getError().getCode());
    }

    @Test
    void badRequestsGetStableCodesAndChangeNothing() {
        BrokerServiceGrpc.BrokerServiceBlockingStub any = cluster.stub(1);
        assertEquals(ErrorCode.INVALID_GROUP_ID, any.findCoordinator(FindCoordinatorRequest.newBuilder()
                .setGroupId(" ").build()).getError().getCode());
        Member a = new Member("member-a");
        a.join();
        GroupHeartbeatResponse badRegex = coordinatorStub().groupHeartbeat(GroupHeartbeatRequest.newBuilder()
                .setGroupId(group).setMemberId("member-r").setMemberEpoch(0).setSubscribedTopicRegex("ad-(")
                .setOwnedPartitions(OwnedPartitions.getDefaultInstance()).build());
        assertEquals(ErrorCode.INVALID_REGULAR_EXPRESSION, badRegex.getError().getCode());
        assertTrue(badRegex.getError().getMessage().contains("ad-("), badRegex.getError().getMessage());
        GroupHeartbeatResponse unknown = coordinatorStub().groupHeartbeat(GroupHeartbeatRequest.newBuilder()
                .setGroupId(group).setMemberId("member-x").setMemberEpoch(3).build());
        assertEquals(ErrorCode.FENCED_MEMBER_EPOCH, unknown.getError().getCode());
        assertEquals(1, coordinatorStub().describeGroup(DescribeGroupRequest.newBuilder().setGroupId(group).build())
                .getMembersCount(), "neither refused heartbeat added a member");

        int coordinator = coordinatorId();
        int other = coordinator == 1 ? 2 : 1;
        GroupHeartbeatResponse misrouted = cluster.stub(other).groupHeartbeat(GroupHeartbeatRequest.newBuilder()
                .setGroupId(group).setMemberId(a.id).setMemberEpoch(a.epoch).build());
        assertEquals(ErrorCode.NOT_COORDINATOR, misrouted.getError().getCode());
        assertEquals(coordinator, misrouted.getError().getLeaderId(), "names the coordinator");

        var produced = any.produce(ProduceRequest.newBuilder().setAcks(-1).addPartitions(ProducePartition.newBuilder()
                .setTopic(OffsetsTopic.NAME).setPartition(0).setRecords(ByteString.copyFrom(
                        new RecordBatchBuilder(CompressionType.NONE).append(1L, null,
                                "x".getBytes(StandardCharsets.UTF_8)).build()))).build());
        assertEquals(ErrorCode.INVALID_REQUEST, produced.getPartitions(0).getError().getCode(),
                "only the coordinator writes the internal topic");
    }

    @Test
    void theCoordinatorServesEachGroupsLagAgainstTheLeadersHighWatermarks() throws Exception {
        // Three partitions led by three brokers: the coordinator learns most high watermarks remotely.
        int[] behind = {3, 0, 5};
        Map<Integer, Long> committed = new HashMap<>();
        for (int p = 0; p < 3; p++) {
            TopicPartition tp = new TopicPartition(TOPIC, p);
            int leader = cluster.awaitLeader(tp);
            cluster.produceAll(leader, tp, "lag", 5);
            long highWatermark = cluster.replica(leader, tp).orElseThrow().highWatermark();
            committed.put(p, highWatermark - behind[p]);
            assertEquals(ErrorCode.NONE, commit("admin", -1, p, highWatermark - behind[p]).getPartitions(0)
                    .getError().getCode());
        }
        int coordinator = coordinatorId();
        int port = cluster.brokers().get(coordinator).metricsPort().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Exposition scraped = Exposition.scrape(port);
            for (int p = 0; p < 3; p++) {
                String partition = Integer.toString(p);
                assertEquals(Optional.of((double) behind[p]), scraped.value("wharf_consumer_group_lag",
                        "group", group, "topic", TOPIC, "partition", partition), "lag of partition " + p);
                assertEquals(Optional.of((double) committed.get(p)), scraped.value(
                        "wharf_consumer_group_committed_offset", "group", group, "topic", TOPIC, "partition",
                        partition));
            }
            assertEquals(Optional.of(0.0), scraped.value("wharf_consumer_group_members", "group", group),
                    "committed by an admin: no member");
        });
        for (int other : cluster.brokers().keySet()) {
            if (other != coordinator) {
                assertTrue(Exposition.scrape(cluster.brokers().get(other).metricsPort().orElseThrow())
                        .samples("wharf_consumer_group_lag", "group", group).isEmpty(),
                        "only the coordinator serves the group's series, broker " + other + " does too");
            }
        }
    }

    // ---- helpers ----

    private TopicPartition groupPartition() {
        return new TopicPartition(OffsetsTopic.NAME, OffsetsTopic.partitionFor(group, 3));
    }

    /** The coordinator's id, once the topic exists and the group's partition has a leader. */
    private int coordinatorId() {
        int[] found = new int[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            int any = cluster.brokers().keySet().iterator().next();
            FindCoordinatorResponse response = cluster.stub(any).findCoordinator(FindCoordinatorRequest.newBuilder()
                    .setGroupId(group).build());
            found[0] = response.getCoordinatorId();
            return response.getError().getCode() == ErrorCode.NONE
                    && cluster.replica(found[0], groupPartition()).map(p -> p.isLeader()).orElse(false);
        });
        return found[0];
    }

    private BrokerServiceGrpc.BrokerServiceBlockingStub coordinatorStub() {
        return cluster.stub(coordinatorId());
    }

    private OffsetCommitResponse commit(String memberId, int epoch, int partition, long offset) {
        return coordinatorStub().offsetCommit(OffsetCommitRequest.newBuilder().setGroupId(group).setMemberId(memberId)
                .setMemberEpoch(epoch).addPartitions(OffsetCommitPartition.newBuilder().setTopic(TOPIC)
                        .setPartition(partition).setOffset(offset).setLeaderEpoch(-1)).build());
    }

    private Map<String, Long> fetchOffsets() {
        OffsetFetchResponse response = coordinatorStub().offsetFetch(OffsetFetchRequest.newBuilder().setGroupId(group)
                .build());
        assertEquals(ErrorCode.NONE, response.getError().getCode(), response.toString());
        Map<String, Long> offsets = new HashMap<>();
        response.getOffsetsList().forEach(o -> offsets.put(o.getTopic() + "-" + o.getPartition(), o.getOffset()));
        return offsets;
    }

    private static Set<String> partitions(List<GroupTopicPartitions> topics) {
        Set<String> out = new TreeSet<>();
        topics.forEach(t -> t.getPartitionsList().forEach(p -> out.add(t.getTopic() + "-" + p)));
        return out;
    }

    private static boolean everyoneOwnsOne(List<Member> members) {
        return members.stream().allMatch(m -> m.owned.size() == 1);
    }

    /** Heartbeats both members, round after round, until b owns some partitions and the two own all three. */
    private static void shareThePartitions(Member a, Member b) {
        List<Member> both = List.of(a, b);
        for (int round = 0; round < 20 && (b.owned.isEmpty() || a.owned.size() + b.owned.size() < 3); round++) {
            both.forEach(Member::heartbeat);
            assertNoPartitionOwnedTwice(both);
        }
    }

    private static void assertNoPartitionOwnedTwice(List<Member> members) {
        Set<String> seen = new HashSet<>();
        List<String> all = new ArrayList<>();
        members.forEach(m -> all.addAll(m.owned));
        all.forEach(p -> assertTrue(seen.add(p), p + " is owned twice: " + all));
    }
}
