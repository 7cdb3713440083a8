package io.wharf.cli.bench;

import io.grpc.ManagedChannel;
import io.wharf.client.Endpoint;
import io.wharf.client.consumer.ConsumerConfig;
import java.util.List;
import java.util.function.Function;

/**
 * One trial of "reassignment after a clean leave" (issue #9): members A and B of a new group share
 * the partitions of a topic, then A closes; the figure is the time from A's close starting, on
 * A's thread, to B's rebalance listener being told it owns every partition. Immutable; each
 * {@link #measure} runs its members on their own threads and waits for them.
 */
public final class GroupLeaveTrial {

    private final List<Endpoint> bootstrap;
    private final String topic;
    private final int partitions;
    private final long timeoutMs;
    private final Function<Endpoint, ManagedChannel> channels;

    /**
     * @param partitions the topic's partition count, at least 2 so that both members own some
     * @param timeoutMs how long each phase may take: sharing the partitions, B taking them all,
     *     each member closing
     * @param channels the members' gRPC channels
     */
    public GroupLeaveTrial(List<Endpoint> bootstrap, String topic, int partitions, long timeoutMs,
                           Function<Endpoint, ManagedChannel> channels) {
        if (partitions < 2) {
            throw new IllegalArgumentException("topic " + topic + " has " + partitions + " partition(s); two members "
                    + "can both own partitions only with at least 2");
        }
        this.bootstrap = List.copyOf(bootstrap);
        this.topic = topic;
        this.partitions = partitions;
        this.timeoutMs = timeoutMs;
        this.channels = channels;
    }

    /**
     * Runs the trial in group {@code groupId}, which must be new (a group's committed offsets or
     * remaining members would change what is measured).
     *
     * @return milliseconds from A's close starting to B owning every partition
     * @throws io.wharf.cli.CliException when a phase times out or a member fails
     */
    public double measure(String groupId) {
        ConsumerConfig config = ConsumerConfig.builder(bootstrap).groupId(groupId).build();
        GroupOwnership ownership = new GroupOwnership(partitions);
        try (GroupBenchMember a = GroupBenchMember.start("A", config, topic, ownership, timeoutMs, channels);
             GroupBenchMember b = GroupBenchMember.start("B", config, topic, ownership, timeoutMs, channels)) {
            ownership.awaitSplit(a.name(), b.name(), timeoutMs);
            a.stop();
            long bOwnsAll = ownership.awaitOwnsAll(b.name(), timeoutMs);
            a.awaitClosed(); // its thread has ended: the time it took before close() is safe to read
            return (bOwnsAll - a.closeStartedNanos()) / 1e6;
        }
    }
}
