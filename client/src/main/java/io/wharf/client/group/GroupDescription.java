package io.wharf.client.group;

import io.wharf.client.TopicPartition;
import java.util.List;

/**
 * A consumer group as its coordinator holds it, with the lag of every partition it has an offset
 * for or assigns. Immutable.
 *
 * @param groupId the group id
 * @param state EMPTY, ASSIGNING, RECONCILING or STABLE
 * @param groupEpoch bumped on every membership or subscription change
 * @param assignmentEpoch the group epoch the target assignment was computed at
 * @param coordinatorId the broker coordinating the group
 * @param members the members, by member id
 * @param partitions per partition, by topic and partition
 */
public record GroupDescription(String groupId, String state, int groupEpoch, int assignmentEpoch, int coordinatorId,
                               List<Member> members, List<PartitionLag> partitions) {

    /**
     * One member. Immutable.
     *
     * @param memberId the id the client generated
     * @param instanceId its {@code group.instance.id}; empty for a dynamic member
     * @param host the address it last heartbeated from
     * @param memberEpoch its epoch (-2: a static member away for a restart)
     * @param state STABLE, UNREVOKED_PARTITIONS or UNRELEASED_PARTITIONS
     * @param subscribedTopics its subscription by names (empty when by regex)
     * @param subscribedRegex its subscription by regex (empty when by names)
     * @param assigned the partitions it owns now
     * @param target the partitions the assignor gave it (it owns them once others released them)
     */
    public record Member(String memberId, String instanceId, String host, int memberEpoch, String state,
                         List<String> subscribedTopics, String subscribedRegex, List<TopicPartition> assigned,
                         List<TopicPartition> target) {
    }

    /**
     * One partition. Immutable.
     *
     * @param partition the partition
     * @param committedOffset the group's committed offset (next to consume); null when none
     * @param logEndOffset its high watermark; null when it could not be learned (e.g. topic deleted)
     * @param lag logEndOffset - committedOffset; null when either is unknown
     * @param memberId the member owning it; null when none
     * @param host that member's address; null when none
     */
    public record PartitionLag(TopicPartition partition, Long committedOffset, Long logEndOffset, Long lag,
                               String memberId, String host) {
    }
}
