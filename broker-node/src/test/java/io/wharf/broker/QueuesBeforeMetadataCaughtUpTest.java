package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.wharf.controller.FreePorts;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.DescribeQueueRequest;
import io.wharf.proto.broker.GetRequest;
import io.wharf.proto.broker.PublishBatch;
import io.wharf.proto.broker.PublishConfirms;
import io.wharf.proto.broker.PublishRequest;
import io.wharf.proto.broker.PublishResponse;
import io.wharf.proto.broker.SubscribeRequest;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.FenceBrokerCommand;
import io.wharf.proto.queue.Message;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker whose metadata has not caught up with the cluster (here: it cannot reach a controller,
 * so its image stays empty) may lack a queue or an exchange that exists. It answers queue calls
 * with NOT_LEADER naming no leader, which clients retry elsewhere, instead of NOT_FOUND, which
 * they take as final; and it does not route a publish by its empty image, which would confirm the
 * message into no queue. Once caught up (a real registration, unfenced), an unknown name is
 * NOT_FOUND, even after a later fence.
 */
class QueuesBeforeMetadataCaughtUpTest {

    @TempDir
    Path dir;

    private FakeQuorum quorum;
    private BrokerNode broker;
    private ManagedChannel channel;

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (broker != null) {
            broker.close();
        }
        if (quorum != null) {
            quorum.close();
        }
    }

    @Test
    void aBrokerBehindOnMetadataAnswersQueueCallsWithARetriableNotLeader() throws Exception {
        // Nothing listens on the bootstrap port: the broker serves but never registers or catches up.
        broker = start("127.0.0.1:" + FreePorts.one());
        assertFalse(broker.isActive());

        assertNotCaughtUp(stub().get(GetRequest.newBuilder().setQueue("jobs").build()).getError(), "queue 'jobs'");
        assertNotCaughtUp(stub().describeQueue(DescribeQueueRequest.newBuilder().setQueue("jobs").build()).getError(),
                "queue 'jobs'");
        try (StreamConsumer consumer = new StreamConsumer(channel,
                SubscribeRequest.newBuilder().setQueue("jobs").setPrefetch(10).build())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> consumer.closed() != null);
            assertNotCaughtUp(consumer.closed(), "queue 'jobs'");
        }
        // The default exchange routes by the queue's name, which this image does not have yet: the
        // publish is refused, not confirmed as unroutable.
        PublishResponse confirm = publishOne("", "jobs");
        assertFalse(confirm.getAck(), confirm::toString);
        assertNotCaughtUp(confirm.getError(), "publishes");
        assertFalse(broker.isActive(), "nothing changed: still not registered");
    }

    @Test
    void aCaughtUpBrokerAnswersAnUnknownQueueWithNotFound() throws Exception {
        quorum = FakeQuorum.start(1);
        broker = start(quorum.bootstrap());
        await().atMost(Duration.ofSeconds(20)).until(broker::isActive);

        Error error = stub().get(GetRequest.newBuilder().setQueue("jobs").build()).getError();
        assertEquals(ErrorCode.NOT_FOUND, error.getCode(), error::toString);
        assertTrue(error.getMessage().contains("no queue 'jobs'"), error::getMessage);
        // Unroutable and not mandatory: confirmed and dropped, as RabbitMQ does.
        PublishResponse confirm = publishOne("", "jobs");
        assertTrue(confirm.getAck(), confirm::toString);
        assertEquals(0, confirm.getRoutedQueues());
    }

    @Test
    void aBrokerFencedAfterCatchingUpStillNamesAnUnknownQueue() throws Exception {
        quorum = FakeQuorum.start(1);
        broker = start(quorum.bootstrap());
        await().atMost(Duration.ofSeconds(20)).until(broker::isActive);
        // Heartbeats go to a controller that does not exist from now on, so none unfences it again.
        quorum.setLeader(2);
        quorum.submit(ControllerCommand.newBuilder().setFenceBroker(FenceBrokerCommand.newBuilder()
                .setBrokerId(1).setBrokerEpoch(broker.brokerEpoch())).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> !broker.isActive());

        // Its image only moves forward (and it stops itself when that falls too far behind): it
        // still answers by it.
        Error error = stub().get(GetRequest.newBuilder().setQueue("jobs").build()).getError();
        assertEquals(ErrorCode.NOT_FOUND, error.getCode(), error::toString);
        PublishResponse confirm = publishOne("", "jobs");
        assertTrue(confirm.getAck(), confirm::toString);
    }

    private static void assertNotCaughtUp(Error error, String what) {
        assertEquals(ErrorCode.NOT_LEADER, error.getCode(), error::toString);
        assertTrue(error.getLeaderId() < 0, () -> "no leader is named: " + error);
        assertTrue(error.getMessage().contains("has not caught up with the cluster's metadata")
                && error.getMessage().contains(what), error::getMessage);
    }

    private PublishResponse publishOne(String exchange, String routingKey) {
        AtomicReference<PublishResponse> confirm = new AtomicReference<>();
        StreamObserver<PublishBatch> stream = BrokerServiceGrpc.newStub(channel).publish(new StreamObserver<>() {
            @Override
            public void onNext(PublishConfirms batch) {
                batch.getConfirmsList().forEach(confirm::set);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        stream.onNext(PublishBatch.newBuilder().addPublishes(PublishRequest.newBuilder().setPublisherId("p")
                .setSequence(1).setExchange(exchange).setRoutingKey(routingKey)
                .setMessage(Message.newBuilder().setBody(ByteString.copyFromUtf8("resize 42.png")))).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> confirm.get() != null);
        stream.onCompleted();
        return confirm.get();
    }

    private BrokerServiceGrpc.BrokerServiceBlockingStub stub() {
        return BrokerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private BrokerNode start(String bootstrap) throws IOException {
        BrokerNode node = new BrokerNode(BrokerConfig.from(BrokerNodeTest.testConfig(1, bootstrap, dir)));
        node.start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", node.rpcPort()).usePlaintext().build();
        return node;
    }
}
