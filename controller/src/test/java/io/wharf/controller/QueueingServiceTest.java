package io.wharf.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeInfo;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.common.QueueInfo;
import io.wharf.proto.controller.BindRequest;
import io.wharf.proto.controller.ControllerServiceGrpc.ControllerServiceBlockingStub;
import io.wharf.proto.controller.DeclareExchangeRequest;
import io.wharf.proto.controller.DeclareQueueRequest;
import io.wharf.proto.controller.DeclareQueueResponse;
import io.wharf.proto.controller.DeleteExchangeRequest;
import io.wharf.proto.controller.DeleteQueueRequest;
import io.wharf.proto.controller.DescribeTopicsRequest;
import io.wharf.proto.controller.ListBindingsRequest;
import io.wharf.proto.controller.ListExchangesRequest;
import io.wharf.proto.controller.ListQueuesRequest;
import io.wharf.proto.controller.ListQueuesResponse;
import io.wharf.proto.controller.UnbindRequest;
import io.wharf.proto.metadata.DeclareExchangeCommand;
import io.wharf.proto.metadata.DeclareQueueCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exchanges, queues and bindings through the ControllerService of a three-controller quorum. */
class QueueingServiceTest {

    @TempDir
    Path dir;

    @Test
    void declareBindListAndDeleteThroughAnyController() {
        try (InProcessQuorum quorum = new InProcessQuorum(3, dir,
                Map.of(ControllerConfig.BROKER_SESSION_TIMEOUT_MS, "600000")).startAll()) {
            quorum.awaitLeader();
            for (int id = 1; id <= 3; id++) {
                FakeBroker broker = new FakeBroker(quorum, id);
                broker.register(id);
                await().atMost(Duration.ofSeconds(10)).until(() -> !broker.heartbeat().getFenced());
            }
            // writes through a follower go through the quorum; reads after a read barrier
            ControllerServiceBlockingStub follower = quorum.stub(quorum.aFollower().nodeId());
            ControllerServiceBlockingStub leader = quorum.stub(quorum.awaitLeader().nodeId());

            DeclareExchangeCommand orders = DeclareExchangeCommand.newBuilder().setName("orders")
                    .setType(ExchangeType.TOPIC).build();
            assertEquals(ErrorCode.NONE, follower.declareExchange(DeclareExchangeRequest.newBuilder()
                    .setExchange(orders).build()).getError().getCode());
            assertEquals(ErrorCode.NONE, leader.declareExchange(DeclareExchangeRequest.newBuilder()
                    .setExchange(orders).build()).getError().getCode(), "idempotent");
            assertEquals(ErrorCode.PRECONDITION_FAILED, follower.declareExchange(DeclareExchangeRequest.newBuilder()
                    .setExchange(orders.toBuilder().setType(ExchangeType.DIRECT)).build()).getError().getCode());
            assertEquals(ErrorCode.ACCESS_REFUSED, follower.declareExchange(DeclareExchangeRequest.newBuilder()
                    .setExchange(orders.toBuilder().setName("amq.mine")).build()).getError().getCode());

            DeclareQueueResponse declared = follower.declareQueue(DeclareQueueRequest.newBuilder()
                    .setQueue(DeclareQueueCommand.newBuilder().setName("q")
                            .putArguments("x-single-active-consumer", "true")).build());
            assertEquals(ErrorCode.NONE, declared.getError().getCode(), declared::toString);
            QueueInfo queue = declared.getQueue();
            assertEquals("__queue.q", queue.getTopic());
            assertEquals(3, queue.getPartition().getReplicasCount());
            assertTrue(queue.getPartition().getLeader() >= 1, queue::toString);
            assertEquals(Map.of("x-single-active-consumer", "true"), queue.getArgumentsMap());
            DeclareQueueResponse passive = leader.declareQueue(DeclareQueueRequest.newBuilder()
                    .setQueue(DeclareQueueCommand.newBuilder().setName("q").setPassive(true)).build());
            assertEquals(queue, passive.getQueue(), "a passive declare answers the queue as it is");
            assertEquals(ErrorCode.INVALID_ARGUMENT, follower.declareQueue(DeclareQueueRequest.newBuilder()
                    .setQueue(DeclareQueueCommand.newBuilder().setName("r").putArguments("x-max-length", "-1")).build())
                    .getError().getCode());

            BindingInfo binding = BindingInfo.newBuilder().setSource("orders").setDestination("q")
                    .setDestinationKind(DestinationKind.QUEUE).setRoutingKey("eu.#").build();
            assertEquals(ErrorCode.NONE, follower.bind(BindRequest.newBuilder().setBinding(binding).build())
                    .getError().getCode());
            assertEquals(ErrorCode.NOT_FOUND, follower.bind(BindRequest.newBuilder()
                    .setBinding(binding.toBuilder().setDestination("missing")).build()).getError().getCode());

            for (int id : quorum.ids()) {
                ControllerServiceBlockingStub stub = quorum.stub(id);
                List<String> exchanges = stub.listExchanges(ListExchangesRequest.getDefaultInstance())
                        .getExchangesList().stream().map(ExchangeInfo::getName).toList();
                assertEquals(List.of("", "amq.direct", "amq.fanout", "amq.headers", "amq.match", "amq.topic",
                        "orders"), exchanges);
                ListQueuesResponse queues = stub.listQueues(ListQueuesRequest.newBuilder().addNames("q")
                        .addNames("nope").build());
                assertEquals(List.of(queue), queues.getQueuesList());
                assertEquals(ErrorCode.NOT_FOUND, queues.getErrors(0).getError().getCode());
                assertEquals(List.of(binding), stub.listBindings(ListBindingsRequest.newBuilder().setSource("orders")
                        .build()).getBindingsList());
                assertEquals(List.of(binding), stub.listBindings(ListBindingsRequest.getDefaultInstance())
                        .getBindingsList());
            }

            assertEquals(ErrorCode.PRECONDITION_FAILED, follower.deleteExchange(DeleteExchangeRequest.newBuilder()
                    .setName("orders").setIfUnused(true).build()).getError().getCode());
            assertEquals(ErrorCode.NONE, follower.unbind(UnbindRequest.newBuilder().setBinding(binding).build())
                    .getError().getCode());
            assertEquals(ErrorCode.NONE, follower.deleteExchange(DeleteExchangeRequest.newBuilder()
                    .setName("orders").setIfUnused(true).build()).getError().getCode());
            assertEquals(ErrorCode.NONE, follower.deleteQueue(DeleteQueueRequest.newBuilder().setName("q").build())
                    .getError().getCode());
            assertEquals(ErrorCode.NOT_FOUND, leader.deleteQueue(DeleteQueueRequest.newBuilder().setName("q").build())
                    .getError().getCode());

            assertEquals(0, leader.listQueues(ListQueuesRequest.getDefaultInstance()).getQueuesCount());
            assertEquals(6, leader.listExchanges(ListExchangesRequest.getDefaultInstance()).getExchangesCount());
            assertEquals(ErrorCode.UNKNOWN_TOPIC, leader.describeTopics(DescribeTopicsRequest.newBuilder()
                    .addNames("__queue.q").build()).getErrors(0).getError().getCode(), "the log went with the queue");
            quorum.awaitConverged();
        }
    }
}
