package io.wharf.client.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.wharf.client.Endpoint;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.CreateTopicsResponse;
import io.wharf.proto.controller.DescribeClusterResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdminClientRetryTest {

    private final List<Server> servers = new ArrayList<>();
    private final List<AdminClient> clients = new ArrayList<>();

    @AfterEach
    void shutDown() {
        clients.forEach(AdminClient::close);
        servers.forEach(Server::shutdownNow);
    }

    /** Starts a fake controller reachable as {@code name:1} through in-process channels. */
    private FakeControllerService controller(String name) throws IOException {
        FakeControllerService service = new FakeControllerService();
        servers.add(InProcessServerBuilder.forName(name).addService(service).build().start());
        return service;
    }

    private AdminClient client(Duration attemptTimeout, Duration totalTimeout, String... names) {
        List<Endpoint> bootstrap = java.util.Arrays.stream(names).map(name -> new Endpoint(name, 1)).toList();
        AdminClientConfig config = AdminClientConfig.of(bootstrap)
                .withAttemptTimeout(attemptTimeout).withTotalTimeout(totalTimeout).withRetryBackoff(Duration.ofMillis(5));
        AdminClient client = new AdminClient(config, endpoint -> InProcessChannelBuilder.forName(endpoint.host()).build());
        clients.add(client);
        return client;
    }

    private AdminClient client(String... names) {
        return client(Duration.ofSeconds(2), Duration.ofSeconds(5), names);
    }

    @Test
    void notControllerRedirectsToTheNamedLeader() throws IOException {
        FakeControllerService follower = controller("c1");
        FakeControllerService leader = controller("c2");
        follower.createTopics = request -> CreateTopicsResponse.newBuilder()
                .addResults(FakeControllerService.redirect("orders", "c2:1")).build();

        List<TopicOutcome> outcomes = client("c1", "c3-unknown", "c1").createTopics(List.of(new NewTopic("orders", 3, 1)));

        assertEquals(List.of(TopicOutcome.success("orders")), outcomes);
        assertEquals(1, follower.createRequests.size());
        assertEquals(1, leader.createRequests.size());
    }

    @Test
    void unreachableControllerIsSkipped() throws IOException {
        FakeControllerService alive = controller("alive");

        List<TopicOutcome> outcomes = client("dead", "alive").createTopics(List.of(new NewTopic("a", 1, 1)));

        assertTrue(outcomes.get(0).succeeded());
        assertEquals(1, alive.createRequests.size());
    }

    @Test
    void onlyTopicsThatFailedRetriablyAreSentAgain() throws IOException {
        FakeControllerService service = controller("c1");
        service.createTopics = request -> {
            CreateTopicsResponse.Builder response = CreateTopicsResponse.newBuilder();
            for (var topic : request.getTopicsList()) {
                boolean firstTry = service.createRequests.size() == 1;
                response.addResults(topic.getName().equals("b") && firstTry
                        ? FakeControllerService.result("b", ErrorCode.CONTROLLER_UNAVAILABLE, "election in progress")
                        : FakeControllerService.result(topic.getName(), ErrorCode.NONE, ""));
            }
            return response.build();
        };

        List<TopicOutcome> outcomes = client("c1").createTopics(List.of(new NewTopic("a", 1, 1), new NewTopic("b", 1, 1)));

        assertEquals(List.of(TopicOutcome.success("a"), TopicOutcome.success("b")), outcomes);
        assertEquals(2, service.createRequests.size());
        assertEquals(List.of("b"), service.createRequests.get(1).getTopicsList().stream().map(t -> t.getName()).toList());
    }

    @Test
    void nonRetriableErrorsComeBackPerTopicWithoutRetry() throws IOException {
        FakeControllerService service = controller("c1");
        service.createTopics = request -> CreateTopicsResponse.newBuilder()
                .addResults(FakeControllerService.result("dup", ErrorCode.TOPIC_ALREADY_EXISTS, "topic 'dup' already exists"))
                .addResults(FakeControllerService.result("fresh", ErrorCode.NONE, ""))
                .build();

        List<TopicOutcome> outcomes = client("c1").createTopics(List.of(
                new NewTopic("dup", 1, 1), new NewTopic("fresh", 1, 1, Map.of("retention.ms", "1000"))));

        assertEquals(new TopicOutcome("dup", ErrorCode.TOPIC_ALREADY_EXISTS, "topic 'dup' already exists"), outcomes.get(0));
        assertTrue(outcomes.get(1).succeeded());
        assertEquals(1, service.createRequests.size());
        assertEquals("1000", service.createRequests.get(0).getTopics(1).getConfigsOrThrow("retention.ms"));
    }

    @Test
    void persistentRetriableErrorEndsInTypedExceptionAfterTotalTimeout() throws IOException {
        FakeControllerService service = controller("c1");
        service.deleteTopics = request -> io.wharf.proto.controller.DeleteTopicsResponse.newBuilder()
                .addResults(FakeControllerService.result("t", ErrorCode.CONTROLLER_UNAVAILABLE, "no quorum leader")).build();

        AdminException error = assertThrows(AdminException.class,
                () -> client(Duration.ofMillis(200), Duration.ofMillis(300), "c1").deleteTopics(List.of("t")));

        assertEquals(ErrorCode.CONTROLLER_UNAVAILABLE, error.code());
        assertTrue(error.getMessage().contains("no quorum leader"), error.getMessage());
        assertTrue(service.deleteRequests.size() > 1, "expected retries, got " + service.deleteRequests.size());
    }

    @Test
    void hangingControllerTimesOutPerAttemptAndAnotherAnswers() throws IOException {
        FakeControllerService hanging = controller("slow");
        hanging.describeClusterHangs = true;
        FakeControllerService answering = controller("fast");
        answering.describeCluster = request -> DescribeClusterResponse.newBuilder().setLeaderId(7).build();

        assertEquals(7, client(Duration.ofMillis(100), Duration.ofSeconds(5), "slow", "fast").describeCluster().getLeaderId());

        AdminException error = assertThrows(AdminException.class,
                () -> client(Duration.ofMillis(50), Duration.ofMillis(200), "slow").describeCluster());
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, error.code());
    }

    @Test
    void nonRetriableTransportStatusFailsAtOnce() throws IOException {
        FakeControllerService service = controller("c1");
        service.createTopics = request -> {
            throw Status.INVALID_ARGUMENT.withDescription("topic spec is missing a name").asRuntimeException();
        };

        AdminException error = assertThrows(AdminException.class,
                () -> client("c1").createTopics(List.of(new NewTopic("", 1, 1))));

        assertEquals(ErrorCode.INVALID_REQUEST, error.code());
        assertTrue(error.getMessage().contains("missing a name"), error.getMessage());
        assertEquals(1, service.createRequests.size());
    }
}
