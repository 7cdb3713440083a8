package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.controller.ControllerConfig;
import io.wharf.controller.ControllerNode;
import io.wharf.controller.FreePorts;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.CreateTopicsRequest;
import io.wharf.proto.controller.CreateTopicsResponse;
import io.wharf.proto.metadata.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two brokers against three in-process {@link ControllerNode}s (real Ratis): registration and
 * unfencing, metadata streaming across the loss of the active controller, and a controlled
 * shutdown that hands leaderships to the other broker.
 */
class BrokersWithRealControllersTest {

    @TempDir
    Path dir;

    private final List<ControllerNode> controllers = new ArrayList<>();
    private final List<BrokerNode> brokers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        brokers.forEach(BrokerNode::close);
        controllers.forEach(ControllerNode::close);
    }

    @Test
    void brokersFollowTheQuorumThroughAControllerLossAndHandOverOnClose() throws Exception {
        int[] rpcPorts = new int[3];
        StringBuilder voters = new StringBuilder();
        StringBuilder bootstrap = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            rpcPorts[i] = FreePorts.one();
            int raftPort = FreePorts.one();
            voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(rpcPorts[i]).append(':')
                    .append(raftPort);
            bootstrap.append(i == 0 ? "" : ",").append("127.0.0.1:").append(rpcPorts[i]);
        }
        for (int id = 1; id <= 3; id++) {
            ControllerNode controller = new ControllerNode(ControllerConfig.fromMap(Map.of(
                    ControllerConfig.NODE_ID, Integer.toString(id),
                    ControllerConfig.QUORUM_VOTERS, voters.toString(),
                    ControllerConfig.DATA_DIR, dir.resolve("controller-" + id).toString())));
            controllers.add(controller);
            controller.start();
        }
        for (int id = 1; id <= 2; id++) {
            Map<String, String> config = new HashMap<>(BrokerNodeTest.testConfig(id, bootstrap.toString(), dir));
            BrokerNode broker = new BrokerNode(BrokerConfig.from(config));
            brokers.add(broker);
            broker.start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> brokers.stream().allMatch(BrokerNode::isActive));

        createTopic(bootstrap.toString(), "orders", 4, 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> brokers.stream()
                .allMatch(b -> b.metadataImage().topic("orders").isPresent()));

        ControllerNode active = controllers.stream().filter(ControllerNode::isActive).findFirst().orElseThrow();
        active.close();
        createTopic(bootstrap.toString(), "audit", 2, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> brokers.stream()
                .allMatch(b -> b.metadataImage().topic("audit").isPresent()));
        assertTrue(brokers.stream().allMatch(BrokerNode::isActive), "heartbeats found the new leader");

        BrokerNode leaving = brokers.get(0);
        BrokerNode staying = brokers.get(1);
        assertTrue(!leaving.metadata().localView().leaderships().isEmpty(), "placement spreads leaders");
        leaving.close();
        assertEquals(BrokerLifecycle.State.STOPPED, leaving.lifecycleState());
        await().atMost(Duration.ofSeconds(10)).until(() -> staying.metadataImage().broker(1).orElseThrow().fenced());
        for (var topic : staying.metadataImage().topics().values()) {
            for (PartitionState partition : topic.partitions().values()) {
                assertEquals(2, partition.leader(), topic.name() + "-" + partition.partition());
            }
        }
        assertTrue(staying.isActive());
    }

    private static void createTopic(String bootstrap, String name, int partitions, int replicationFactor)
            throws Exception {
        List<HostPort> endpoints = HostPort.parseList(bootstrap);
        ControllerChannels channels = new ControllerChannels(endpoints, ControllerChannels.nettyChannels(),
                Duration.ofSeconds(5));
        try {
            CreateTopicsResponse response = channels.call(ControllerChannels.Target.ANY, stub -> stub.createTopics(
                    CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName(name)
                            .setPartitions(partitions).setReplicationFactor(replicationFactor)).build()),
                    r -> r.getResults(0).getError());
            assertEquals(ErrorCode.NONE, response.getResults(0).getError().getCode(), response.toString());
        } finally {
            channels.close();
        }
    }
}
