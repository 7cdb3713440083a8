package io.wharf.cluster;

import io.grpc.StatusRuntimeException;
import io.wharf.cli.cluster.LocalCluster;
import io.wharf.cli.cluster.NodeName;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.DescribeMetadataRequest;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.ControllerServiceGrpc;
import io.wharf.proto.controller.DescribeClusterRequest;
import io.wharf.proto.controller.DescribeClusterResponse;
import io.wharf.proto.controller.DescribeTopicsRequest;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Polls every node of a cluster throughout a nemesis run, on a thread it owns, and records what
 * the metadata checkers need: each controller's own role and term ({@link ControllerTermLeaders}),
 * each broker process's metadata offset ({@link BrokerMetadataOffsets}), and, from whichever
 * controller says it leads, the brokers' fenced states ({@link EarlyFences}) and the leader and
 * epoch of each partition of the workload's topic ({@link FencedLeaderAcks}). A node that is down,
 * paused or cut off simply does not answer within {@link #CALL_TIMEOUT_MS}.
 */
final class ClusterObserver implements AutoCloseable {

    private static final long POLL_INTERVAL_MS = 100;
    private static final long CALL_TIMEOUT_MS = 300;
    private static final String LEADER = "leader";

    private final LocalCluster cluster;
    private final EndpointChannels channels = new EndpointChannels(EndpointChannels.plaintext());
    private final ControllerTermLeaders termLeaders = new ControllerTermLeaders();
    private final BrokerMetadataOffsets metadataOffsets = new BrokerMetadataOffsets();
    private final EarlyFences fences = new EarlyFences(CALL_TIMEOUT_MS);
    private final FencedLeaderAcks leaderEpochs = new FencedLeaderAcks();
    private final String topic;
    private final long startNanos;
    private final ScheduledExecutorService poller;

    /**
     * Starts polling the nodes of {@code cluster}, and the leaders of {@code topic}; observations
     * are stamped in ms since {@code startNanos} (System.nanoTime()), the start of the run's fault
     * timeline.
     */
    ClusterObserver(LocalCluster cluster, String topic, long startNanos) {
        this.cluster = cluster;
        this.topic = topic;
        this.startNanos = startNanos;
        this.poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "cluster-observer");
            thread.setDaemon(true);
            return thread;
        });
        poller.scheduleWithFixedDelay(this::pollOnce, 0, POLL_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    ControllerTermLeaders termLeaders() {
        return termLeaders;
    }

    BrokerMetadataOffsets metadataOffsets() {
        return metadataOffsets;
    }

    EarlyFences fences() {
        return fences;
    }

    FencedLeaderAcks leaderEpochs() {
        return leaderEpochs;
    }

    private void pollOnce() {
        for (NodeName node : cluster.topology().nodes()) {
            Endpoint endpoint = new Endpoint(cluster.topology().host(node), cluster.topology().rpcPort(node));
            try {
                if (node.isController()) {
                    pollController(node, endpoint);
                } else {
                    pollBroker(node, endpoint);
                }
            } catch (StatusRuntimeException e) {
                channels.reconnectPromptly(endpoint); // down, paused or cut off: ask again next round
            } catch (RuntimeException e) {
                // A pid file read while the test rewrites it; the next round reads it again. Any other
                // failure must not end the polling either: missing observations only weaken the check.
            }
        }
    }

    private void pollController(NodeName node, Endpoint endpoint) {
        DescribeClusterResponse response = ControllerServiceGrpc.newBlockingStub(channels.channel(endpoint))
                .withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .describeCluster(DescribeClusterRequest.getDefaultInstance());
        long at = elapsedMillis();
        for (ControllerInfo controller : response.getControllersList()) {
            if (controller.getId() == node.id()) {
                termLeaders.observed(node.id(), controller.getRole(), controller.getTerm(), at);
                if (controller.getRole().equals(LEADER)) {
                    observeLeader(endpoint, controller.getTerm(), response, at);
                }
            }
        }
    }

    /** What the controller leading {@code term} says of the brokers and of the topic's leaders. */
    private void observeLeader(Endpoint endpoint, long term, DescribeClusterResponse response, long at) {
        for (BrokerInfo broker : response.getBrokersList()) {
            fences.observed(term, broker.getId(), broker.getEpoch(), broker.getState() == BrokerState.FENCED, at);
        }
        List<TopicDescription> topics = ControllerServiceGrpc.newBlockingStub(channels.channel(endpoint))
                .withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .describeTopics(DescribeTopicsRequest.newBuilder().addNames(topic).build()).getTopicsList();
        long topicsAt = elapsedMillis();
        for (TopicDescription description : topics) {
            for (PartitionInfo partition : description.getPartitionsList()) {
                leaderEpochs.observed(term, partition.getPartition(), partition.getLeaderEpoch(), partition.getLeader(),
                        topicsAt);
            }
        }
    }

    /**
     * Asks the broker for its metadata offset between two reads of its pid, and keeps the answer
     * only when both name the same live process: a restart in between would otherwise credit the
     * new process's offset to the old one.
     */
    private void pollBroker(NodeName node, Endpoint endpoint) {
        OptionalLong before = cluster.pid(node);
        if (before.isEmpty()) {
            return;
        }
        long offset = BrokerServiceGrpc.newBlockingStub(channels.channel(endpoint))
                .withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .describeMetadata(DescribeMetadataRequest.newBuilder().setOffsetOnly(true).build())
                .getMetadataOffset();
        long at = elapsedMillis();
        if (cluster.pid(node).equals(before)) {
            metadataOffsets.observed(node.id(), before.getAsLong(), offset, at);
        }
    }

    private long elapsedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    @Override
    public void close() {
        poller.shutdownNow();
        try {
            if (!poller.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the cluster observer thread did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            channels.close();
        }
    }
}
