package io.wharf.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Drives a {@link GroupCoordinator} as its owner would: every operation's records go through the
 * codec onto a log and are replayed on the leader and on a follower. Tests read state and the log.
 */
final class CoordinatorHarness {

    static final String GROUP = "settlement";

    final GroupConfig config;
    final GroupCoordinator leader;
    final GroupCoordinator follower;
    final List<GroupRecord> log = new ArrayList<>();
    final Map<String, Integer> topics = new TreeMap<>();
    long nowMs;

    CoordinatorHarness(GroupConfig config) {
        this.config = config;
        this.leader = new GroupCoordinator(config);
        this.follower = new GroupCoordinator(config);
    }

    CoordinatorHarness() {
        this(GroupConfig.defaults().withTimeouts(1000, 100, 5000, 100, 10, 1000));
    }

    CoordinatorHarness topic(String name, int partitions) {
        topics.put(name, partitions);
        return this;
    }

    /** Appends the result's records: encoded, decoded, replayed by leader and follower. */
    <T> GroupResult<T> commit(GroupResult<T> result) {
        for (GroupRecord record : result.records()) {
            GroupRecordCodec.Encoded encoded = GroupRecordCodec.encode(record);
            GroupRecord decoded = GroupRecordCodec.decode(encoded.key(), encoded.value());
            assertEquals(record, decoded, "codec round trip");
            log.add(decoded);
            leader.replay(decoded);
            follower.replay(decoded);
        }
        return result;
    }

    GroupResult<HeartbeatResponse> heartbeat(HeartbeatRequest request) {
        return commit(leader.heartbeat(request, topics, nowMs));
    }

    HeartbeatResponse join(String memberId, String... topicNames) {
        return heartbeat(HeartbeatRequest.join(GROUP, memberId, List.of(topicNames))).response();
    }

    HeartbeatResponse beat(String memberId, int epoch, Assignment owned) {
        return heartbeat(HeartbeatRequest.heartbeat(GROUP, memberId, epoch, owned)).response();
    }

    GroupResult<List<GroupMemberId>> expire() {
        return commit(leader.expireMembers(nowMs));
    }

    ConsumerGroup group() {
        return leader.group(GROUP).orElseThrow();
    }

    /** A coordinator rebuilt from the whole log, as a new leader would be. */
    GroupCoordinator rebuilt() {
        GroupCoordinator fresh = new GroupCoordinator(config);
        fresh.replayAll(log);
        return fresh;
    }
}
