package io.wharf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.wharf.client.admin.FakeControllerService;
import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeInfo;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.QueueInfo;
import io.wharf.proto.common.TopicDescription;
import io.wharf.proto.controller.AlterConfigsResponse;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.CreateTopicsResponse;
import io.wharf.proto.controller.DescribeClusterResponse;
import io.wharf.proto.controller.DescribeTopicsResponse;
import io.wharf.proto.controller.ElectLeadersResponse;
import io.wharf.proto.controller.ListBindingsResponse;
import io.wharf.proto.controller.ListExchangesResponse;
import io.wharf.proto.controller.ListQueuesResponse;
import io.wharf.proto.controller.ListTopicsResponse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metadata and topics commands over real gRPC against a scripted controller. */
class WharfCliAgainstControllerTest {

    @TempDir
    Path clusterDir;
    private final FakeControllerService controller = new FakeControllerService();
    private Server server;
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(controller).build().start();
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CliEnvironment env = new CliEnvironment(clusterDir, Optional.empty(), "unused", new PrintWriter(out, true),
                new PrintWriter(err, true));
        List<String> withBootstrap = new ArrayList<>(List.of(args));
        withBootstrap.add("--bootstrap");
        withBootstrap.add("127.0.0.1:" + server.getPort());
        return WharfCli.execute(env, withBootstrap.toArray(String[]::new));
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static TopicDescription orders() {
        return TopicDescription.newBuilder().setName("orders").setTopicId("t-1").putConfigs("retention.ms", "1000")
                .addPartitions(PartitionInfo.newBuilder().setPartition(1).setLeader(3).addAllReplicas(List.of(3, 1))
                        .addAllIsr(List.of(3)).setLeaderEpoch(4).setPartitionEpoch(6))
                .addPartitions(PartitionInfo.newBuilder().setPartition(0).setLeader(1).addAllReplicas(List.of(1, 2))
                        .addAllIsr(List.of(1, 2)).setLeaderEpoch(0))
                .build();
    }

    @Test
    void metadataJsonHasTheIssuesShape() throws Exception {
        controller.describeCluster = request -> DescribeClusterResponse.newBuilder().setLeaderId(2)
                .addControllers(ControllerInfo.newBuilder().setId(2).setAddress("127.0.0.1:17002").setRole("leader").setTerm(5).setAppliedIndex(90))
                .addControllers(ControllerInfo.newBuilder().setId(1).setAddress("127.0.0.1:17001").setRole("follower").setTerm(5).setAppliedIndex(89))
                .addBrokers(BrokerInfo.newBuilder().setId(1).setHost("127.0.0.1").setPort(17201).setState(BrokerState.FENCED).setEpoch(12).setMsSinceHeartbeat(2400))
                .build();
        controller.describeTopics = request -> DescribeTopicsResponse.newBuilder().addTopics(orders()).build();
        controller.exchanges = ListExchangesResponse.newBuilder().addExchanges(ExchangeInfo.newBuilder()
                .setName("jobs").setType(ExchangeType.DIRECT)).build();
        controller.queues = ListQueuesResponse.newBuilder().addQueues(QueueInfo.newBuilder().setName("thumbnails")
                .setPartition(PartitionInfo.newBuilder().setLeader(2).addAllReplicas(List.of(2, 1))
                        .addAllIsr(List.of(2, 1)))).build();
        controller.bindings = ListBindingsResponse.newBuilder().addBindings(BindingInfo.newBuilder().setSource("jobs")
                .setDestination("thumbnails").setDestinationKind(DestinationKind.QUEUE).setRoutingKey("thumb")).build();

        assertEquals(0, run("metadata", "--json"), err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString());

        assertEquals(List.of("controllers", "brokers", "topics", "exchanges", "queues", "bindings"), fields(json));
        assertEquals(List.of("name", "type", "internal", "builtin", "arguments"), fields(json.get("exchanges").get(0)));
        assertEquals("direct", json.get("exchanges").get(0).get("type").asText());
        assertEquals(List.of("name", "leader", "replicas", "isr", "arguments"), fields(json.get("queues").get(0)));
        assertEquals(2, json.get("queues").get(0).get("leader").asInt());
        assertEquals(List.of("source", "destination", "destination_kind", "routing_key", "arguments"),
                fields(json.get("bindings").get(0)));
        assertEquals("queue", json.get("bindings").get(0).get("destination_kind").asText());
        JsonNode first = json.get("controllers").get(0);
        assertEquals(List.of("id", "address", "leader", "term", "role", "applied_index"), fields(first));
        assertEquals(1, first.get("id").asInt());
        assertEquals(false, first.get("leader").asBoolean());
        assertEquals(true, json.get("controllers").get(1).get("leader").asBoolean());
        JsonNode broker = json.get("brokers").get(0);
        assertEquals(List.of("id", "state", "epoch", "endpoint", "ms_since_heartbeat"), fields(broker));
        assertEquals("fenced", broker.get("state").asText());
        JsonNode topic = json.get("topics").get(0);
        assertEquals(List.of("name", "partitions"), fields(topic));
        JsonNode partition = topic.get("partitions").get(1);
        assertEquals(List.of("id", "leader", "replicas", "isr", "leaderEpoch"), fields(partition));
        assertEquals(1, partition.get("id").asInt());
        assertEquals("[3,1]", partition.get("replicas").toString());
        assertEquals(4, partition.get("leaderEpoch").asInt());

        assertEquals(0, run("metadata"));
        assertTrue(out.toString().contains("orders  1          3       4             3,1       3"), out.toString());
        assertTrue(out.toString().contains("thumbnails  2       2,1       2,1"), out.toString());
        assertTrue(out.toString().contains("jobs    thumbnails   queue  thumb"), out.toString());
    }

    @Test
    void topicsCreateReportsSuccessAndTheServersErrorCode() throws Exception {
        assertEquals(0, run("topics", "create", "orders", "--partitions", "6", "--replication-factor", "3",
                "--config", "retention.ms=1000", "--config", "segment.bytes=1048576"));
        assertEquals("Created topic orders.\n", out.toString());
        var spec = controller.createRequests.get(0).getTopics(0);
        assertEquals(6, spec.getPartitions());
        assertEquals(3, spec.getReplicationFactor());
        assertEquals("1048576", spec.getConfigsOrThrow("segment.bytes"));

        controller.createTopics = request -> CreateTopicsResponse.newBuilder().addResults(FakeControllerService.result(
                "orders", ErrorCode.INVALID_REPLICATION_FACTOR, "replication factor 5 exceeds the 3 active brokers")).build();
        assertEquals(1, run("topics", "create", "orders", "--partitions", "6", "--replication-factor", "5", "--json"));
        assertEquals("wharf: Error while creating topic orders: INVALID_REPLICATION_FACTOR: replication factor 5 exceeds "
                + "the 3 active brokers\n", err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertEquals("INVALID_REPLICATION_FACTOR", json.get("error").get("code").asText());
    }

    @Test
    void topicsListDescribeAndDelete() throws Exception {
        controller.listTopics = request -> ListTopicsResponse.newBuilder().addNames("zeta").addNames("orders").build();
        assertEquals(0, run("topics", "list", "--json"));
        assertEquals("[\"orders\",\"zeta\"]", new ObjectMapper().readTree(out.toString()).get("topics").toString());

        controller.describeTopics = request -> DescribeTopicsResponse.newBuilder().addTopics(orders())
                .addErrors(FakeControllerService.result("nope", ErrorCode.UNKNOWN_TOPIC, "topic 'nope' does not exist")).build();
        assertEquals(1, run("topics", "describe", "orders", "nope"));
        assertTrue(out.toString().startsWith("Topic: orders\tTopicId: t-1\tPartitionCount: 2\tReplicationFactor: 2\t"
                + "CleanupPolicy: delete\tConfigs: retention.ms=1000\n\tTopic: orders\tPartition: 0\tLeader: 1\t"
                + "Replicas: 1,2\tIsr: 1,2\tLeaderEpoch: 0\tLogSize: -\n"), out.toString());
        assertTrue(err.toString().contains("UNKNOWN_TOPIC: topic 'nope' does not exist"), err.toString());
        assertTrue(err.toString().contains("could not describe the logs of orders-1: the controllers know no endpoint "
                + "of their leader, broker 3"), "this controller names no brokers: " + err);

        assertEquals(0, run("topics", "delete", "orders", "--json"));
        assertEquals("{\"name\":\"orders\",\"deleted\":true}", new ObjectMapper().readTree(out.toString()).toString());
        assertEquals(List.of("orders"), controller.deleteRequests.get(0).getNamesList());
    }

    @Test
    void electLeadersNamesEachPartitionOfATopicAndFailsOnlyWhenOneCouldNotMove() throws Exception {
        controller.describeTopics = request -> DescribeTopicsResponse.newBuilder().addTopics(orders()).build();
        controller.electLeaders = request -> ElectLeadersResponse.newBuilder()
                .addResults(FakeControllerService.result("orders-1", ErrorCode.NONE, ""))
                .addResults(FakeControllerService.result("orders-0", ErrorCode.ELECTION_NOT_NEEDED, "already leads"))
                .build();
        assertEquals(0, run("topics", "elect-leaders", "orders", "--json"));
        assertEquals(List.of("orders-1", "orders-0"), controller.electRequests.get(0).getPartitionsList().stream()
                .map(ref -> ref.getTopic() + "-" + ref.getPartition()).toList());
        JsonNode partitions = new ObjectMapper().readTree(out.toString()).get("partitions");
        assertEquals("NONE", partitions.get(0).get("code").asText());
        assertEquals("ELECTION_NOT_NEEDED", partitions.get(1).get("code").asText());

        controller.electLeaders = request -> ElectLeadersResponse.newBuilder().addResults(FakeControllerService.result(
                "orders-1", ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, "broker 3 is not in the ISR")).build();
        assertEquals(1, run("topics", "elect-leaders", "orders", "--partition", "1"));
        assertTrue(err.toString().contains("PREFERRED_LEADER_NOT_AVAILABLE: broker 3 is not in the ISR"), err.toString());

        controller.electLeaders = request -> ElectLeadersResponse.getDefaultInstance();
        assertEquals(0, run("topics", "elect-leaders"));
        assertEquals(0, controller.electRequests.get(2).getPartitionsCount(), "every topic: no partition named");
        assertTrue(out.toString().contains("Every partition is led by its preferred replica."), out.toString());

        assertEquals(2, run("topics", "elect-leaders", "--partition", "1"));
    }

    @Test
    void topicsAlterSendsSetsAndDeletesAndReportsARefusal() throws Exception {
        assertEquals(0, run("topics", "alter", "orders", "--config", "retention.ms=60000", "--delete-config",
                "segment.bytes", "--json"));
        assertEquals(Map.of("retention.ms", "60000"), controller.alterRequests.get(0).getSetMap());
        assertEquals(List.of("segment.bytes"), controller.alterRequests.get(0).getDeleteList());
        assertEquals("orders", new ObjectMapper().readTree(out.toString()).get("name").asText());

        controller.alterConfigs = request -> AlterConfigsResponse.newBuilder().setResult(FakeControllerService.result(
                "orders", ErrorCode.INVALID_CONFIG, "config retention.ms has the value 'soon'")).build();
        assertEquals(1, run("topics", "alter", "orders", "--config", "retention.ms=soon"));
        assertTrue(err.toString().contains("INVALID_CONFIG: config retention.ms has the value 'soon'"), err.toString());

        assertEquals(2, run("topics", "alter", "orders"));
    }
}
