package io.wharf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.client.admin.FakeControllerService;
import io.wharf.client.fake.FakeCluster;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;
import io.wharf.proto.controller.DescribeClusterResponse;
import io.wharf.proto.controller.DescribeTopicsResponse;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wharf topics describe} with the partitions' logs: the assignment from a scripted
 * controller, each partition's log size and (compacted topics) dirty ratio from its leader among
 * fake brokers on 127.0.0.1, and "-" with a line on stderr for a leader that cannot be asked.
 */
class TopicsDescribeCliTest {

    @TempDir
    Path clusterDir;
    private final FakeControllerService controller = new FakeControllerService();
    private final FakeCluster brokers = FakeCluster.network(2);
    private Server server;
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(controller).build().start();
        brokers.createTopic("latest", 2);  // partition 0 led by broker 1, partition 1 by broker 2
        brokers.createTopic("orders", 1);
        brokers.compacted("latest", 0.625);
        DescribeClusterResponse.Builder cluster = DescribeClusterResponse.newBuilder().setLeaderId(1);
        brokers.endpoints().forEach((id, endpoint) -> cluster.addBrokers(BrokerInfo.newBuilder().setId(id)
                .setHost(endpoint.host()).setPort(endpoint.port()).setState(BrokerState.ACTIVE)));
        controller.describeCluster = request -> cluster.build();
        controller.describeTopics = request -> DescribeTopicsResponse.newBuilder()
                .addTopics(topic("latest", 2, Map.of("cleanup.policy", "compact")))
                .addTopics(topic("orders", 1, Map.of())).build();
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
        brokers.close();
    }

    /** The topic as the controllers describe it: leaders as in the fake cluster. */
    private TopicDescription topic(String name, int partitions, Map<String, String> configs) {
        TopicDescription.Builder topic = TopicDescription.newBuilder().setName(name).setTopicId("id-" + name)
                .putAllConfigs(configs);
        for (int p = 0; p < partitions; p++) {
            int leader = brokers.leader(new TopicPartition(name, p));
            topic.addPartitions(PartitionInfo.newBuilder().setPartition(p).setLeader(leader).addReplicas(leader)
                    .addIsr(leader).setLeaderEpoch(1).setPartitionEpoch(1));
        }
        return topic.build();
    }

    private int run(String stdin, String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CliEnvironment env = new CliEnvironment(clusterDir, Optional.empty(), "unused", new PrintWriter(out, true),
                new PrintWriter(err, true), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        return WharfCli.execute(env, args);
    }

    private int describe(String... extra) {
        String[] args = new String[extra.length + 3];
        args[0] = "topics";
        args[1] = "describe";
        System.arraycopy(extra, 0, args, 2, extra.length);
        args[args.length - 1] = "--bootstrap=127.0.0.1:" + server.getPort();
        return run("", args);
    }

    private void produce(String topic, int partition, String lines) {
        assertEquals(0, run(lines, "produce", topic, "--partition", String.valueOf(partition), "--key", "k",
                "--bootstrap", brokers.bootstrapString()), err.toString());
    }

    @Test
    void eachPartitionShowsItsLogSizeAndACompactedTopicItsPolicyAndDirtyRatio() {
        produce("latest", 0, "a\nb\nc\n");
        produce("latest", 1, "d\n");
        produce("orders", 0, "x\ny\n");
        long latest0 = brokers.sizeInBytes(new TopicPartition("latest", 0));
        long latest1 = brokers.sizeInBytes(new TopicPartition("latest", 1));
        long orders0 = brokers.sizeInBytes(new TopicPartition("orders", 0));
        assertTrue(latest0 > 0 && latest1 > 0 && orders0 > 0);

        assertEquals(0, describe(), err.toString());
        assertEquals(List.of(
                "Topic: latest\tTopicId: id-latest\tPartitionCount: 2\tReplicationFactor: 1\tCleanupPolicy: compact"
                        + "\tConfigs: cleanup.policy=compact",
                "\tTopic: latest\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tLeaderEpoch: 1\tLogSize: " + latest0
                        + "\tDirtyRatio: 0.63",
                "\tTopic: latest\tPartition: 1\tLeader: 2\tReplicas: 2\tIsr: 2\tLeaderEpoch: 1\tLogSize: " + latest1
                        + "\tDirtyRatio: 0.63",
                "Topic: orders\tTopicId: id-orders\tPartitionCount: 1\tReplicationFactor: 1\tCleanupPolicy: delete"
                        + "\tConfigs: ",
                "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tLeaderEpoch: 1\tLogSize: " + orders0),
                out.toString().lines().toList());
        assertEquals("", err.toString());
        assertEquals(2, brokers.describeLogsRequests(), "one request per leader broker");
    }

    @Test
    void anUnreachableLeaderLeavesDashesAndALineOnStderrWithoutFailingTheCommand() {
        produce("latest", 0, "a\n");
        brokers.stopBroker(2);

        assertEquals(0, describe("latest"), err.toString());
        List<String> lines = out.toString().lines().toList();
        assertTrue(lines.get(1).endsWith("\tLogSize: " + brokers.sizeInBytes(new TopicPartition("latest", 0))
                + "\tDirtyRatio: 0.63"), lines.get(1));
        assertTrue(lines.get(2).endsWith("\tLeader: 2\tReplicas: 2\tIsr: 2\tLeaderEpoch: 1\tLogSize: -\tDirtyRatio: -"),
                lines.get(2));
        Endpoint two = brokers.endpoints().get(2);
        assertTrue(err.toString().startsWith("wharf: could not describe the logs of latest-1: their leader, broker 2 at "
                + two + ", did not answer DescribeLogs: UNAVAILABLE"), err.toString());
        assertTrue(err.toString().contains("their log columns show -"), err.toString());
    }

    @Test
    void jsonCarriesThePolicyAndEachPartitionsLog() throws Exception {
        produce("latest", 0, "a\nb\n");
        brokers.stopBroker(2);

        assertEquals(0, describe("--json"), err.toString());
        JsonNode topics = new ObjectMapper().readTree(out.toString()).get("topics");
        JsonNode latest = topics.get(0);
        assertEquals("compact", latest.get("cleanup_policy").asText());
        JsonNode log = latest.get("partitions").get(0).get("log");
        assertEquals(brokers.sizeInBytes(new TopicPartition("latest", 0)), log.get("size_bytes").asLong());
        assertEquals(1, log.get("segments").asInt());
        assertEquals(0, log.get("log_start_offset").asLong());
        assertEquals(2, log.get("log_end_offset").asLong());
        assertEquals(2, log.get("high_watermark").asLong());
        assertEquals(0, log.get("first_dirty_offset").asLong());
        assertEquals(0.625, log.get("dirty_ratio").asDouble());
        assertTrue(latest.get("partitions").get(1).get("log").isNull(), "its leader is down");
        JsonNode orders = topics.get(1);
        assertEquals("delete", orders.get("cleanup_policy").asText());
        JsonNode ordersLog = orders.get("partitions").get(0).get("log");
        assertEquals(0, ordersLog.get("size_bytes").asLong());
        assertTrue(ordersLog.get("dirty_ratio").isNull() && ordersLog.get("first_dirty_offset").isNull(),
                "a topic that does not compact has no dirty section: " + ordersLog);
        assertTrue(err.toString().contains("could not describe the logs of latest-1"), err.toString());
    }
}
