package io.wharf.client.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.wharf.client.ClientException;
import io.wharf.client.fake.FakeQueueCluster;
import io.wharf.client.fake.FakeQueueCluster.PublishFate;
import io.wharf.client.fake.FakeQueueCluster.Received;
import io.wharf.proto.broker.PublishBatch;
import io.wharf.proto.broker.PublishRequest;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueuePublisherTest {

    private final FakeQueueCluster cluster = FakeQueueCluster.inProcess(2);
    private QueuePublisher publisher;

    @AfterEach
    void tearDown() {
        if (publisher != null) {
            publisher.close(Duration.ofSeconds(1));
        }
        cluster.close();
    }

    private QueuePublisher publisher(QueuePublisherConfig config) {
        publisher = new QueuePublisher(config.withRetryBackoff(Duration.ofMillis(10)), cluster.channels());
        return publisher;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void eachPublishIsConfirmedUnderOnePublisherIdWithSequencesFromOne() {
        cluster.declareQueue("orders", 1);
        QueuePublisher publisher = publisher(QueuePublisherConfig.of(cluster.bootstrap()));
        List<PublishOutcome> outcomes = List.of("a", "b", "c").stream()
                .map(body -> publisher.publish("", "orders", Map.of("h", "v"), utf8(body), false))
                .map(CompletableFuture::join).toList();
        assertEquals(List.of(1L, 2L, 3L), outcomes.stream().map(PublishOutcome::sequence).toList());
        assertTrue(outcomes.stream().allMatch(o -> o.acked() && o.routedQueues() == 1), outcomes.toString());
        assertEquals(List.of("a", "b", "c"), cluster.readyBodies("orders"));
        assertTrue(cluster.publishes().stream().allMatch(r -> r.request().getPublisherId()
                .equals(publisher.publisherId())));
        assertEquals(0, publisher.inFlight());
    }

    @Test
    void publishesMadeWhileABatchIsOnItsWayTravelTogetherInSequenceOrder() {
        cluster.declareQueue("orders", 1);
        QueuePublisher publisher = publisher(QueuePublisherConfig.of(cluster.bootstrap()));
        List<CompletableFuture<PublishOutcome>> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            sent.add(publisher.publish("", "orders", utf8("m-" + i)));
        }
        List<PublishOutcome> outcomes = sent.stream().map(CompletableFuture::join).toList();
        assertTrue(outcomes.stream().allMatch(PublishOutcome::acked), outcomes.toString());
        List<Long> sequences = cluster.publishes().stream().map(r -> r.request().getSequence()).toList();
        assertEquals(LongStream.rangeClosed(1, 300).boxed().toList(), sequences, "each once, in order");
        List<Integer> batches = cluster.publishBatchSizes();
        assertEquals(300, batches.stream().mapToInt(Integer::intValue).sum());
        assertTrue(batches.size() < 300 && batches.stream().anyMatch(size -> size > 1),
                "300 publishes made in a row share stream messages: " + batches);
    }

    @Test
    void publishesAreCutIntoBatchesOfAtMostTheLimitInOrderWithALargerOneAlone() {
        List<PublishRequest> requests = new ArrayList<>();
        for (int size : new int[] {300, 300, 300, 2000, 100, 100}) {
            requests.add(PublishRequest.newBuilder().setSequence(requests.size() + 1)
                    .setMessage(Message.newBuilder().setBody(ByteString.copyFrom(new byte[size]))).build());
        }
        int limit = 700;
        List<PublishBatch> batches = QueuePublisher.batches(requests, limit);
        assertEquals(List.of(List.of(1L, 2L), List.of(3L), List.of(4L), List.of(5L, 6L)), batches.stream()
                .map(b -> b.getPublishesList().stream().map(PublishRequest::getSequence).toList()).toList());
        assertTrue(batches.stream().filter(b -> b.getPublishesCount() > 1)
                .allMatch(b -> b.getPublishesList().stream().mapToInt(PublishRequest::getSerializedSize).sum() <= limit));
        assertEquals(List.of(), QueuePublisher.batches(List.of(), limit));
    }

    @Test
    void aPublisherWithAHomeQueuePublishesThroughThatQueuesLeader() {
        cluster.declareQueue("orders", 2);
        // Each publisher starts at a random bootstrap broker; every one must still go to broker 2.
        for (int i = 0; i < 6; i++) {
            try (QueuePublisher homed = new QueuePublisher(QueuePublisherConfig.of(cluster.bootstrap())
                    .withHomeQueue("orders").withRetryBackoff(Duration.ofMillis(10)), cluster.channels())) {
                assertTrue(homed.publish("", "orders", utf8("m-" + i)).join().acked());
            }
        }
        assertEquals(6, cluster.publishes().size());
        assertTrue(cluster.publishes().stream().allMatch(r -> r.broker() == 2), cluster.publishes().toString());
        assertThrows(IllegalArgumentException.class, () -> QueuePublisherConfig.of(cluster.bootstrap())
                .withHomeQueue(""));
    }

    @Test
    void connectOpensTheStreamToTheHomeLeaderBeforeAnyPublish() {
        cluster.declareQueue("orders", 2);
        QueuePublisher homed = publisher(QueuePublisherConfig.of(cluster.bootstrap()).withHomeQueue("orders"));
        assertEquals(cluster.brokers().get(2), homed.connect(Duration.ofSeconds(5)));
        assertEquals(List.of(), cluster.publishes(), "connecting publishes nothing");
        assertTrue(homed.publish("", "orders", utf8("a")).join().acked());
        assertEquals(List.of(2), cluster.publishes().stream().map(Received::broker).toList(),
                "the first publish goes on the stream connect opened");
        assertEquals(cluster.brokers().get(2), homed.connect(Duration.ofSeconds(5)), "connecting again keeps it");
    }

    @Test
    void connectingToABrokerThatIsDownTimesOut() {
        cluster.stopBroker(1);
        QueuePublisher publisher = publisher(QueuePublisherConfig.of(List.of(cluster.brokers().get(1))));
        ClientException failure = assertThrows(ClientException.class,
                () -> publisher.connect(Duration.ofMillis(300)));
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, failure.code());
        assertTrue(failure.getMessage().contains(cluster.brokers().get(1).toString()), failure.getMessage());
    }

    @Test
    void aPublishResentAfterTheStreamBrokeKeepsItsIdAndSequenceAndIsStoredOnce() {
        cluster.declareQueue("orders", 1);
        cluster.scriptPublishes(PublishFate.CONFIRM, PublishFate.STORE_THEN_BREAK);
        QueuePublisher publisher = publisher(QueuePublisherConfig.of(cluster.bootstrap()));
        assertTrue(publisher.publish("", "orders", utf8("first")).join().acked());
        PublishOutcome outcome = publisher.publish("", "orders", utf8("second")).join();

        assertTrue(outcome.acked(), outcome.toString());
        List<FakeQueueCluster.Received> publishes = cluster.publishes();
        assertEquals(3, publishes.size(), publishes.toString());
        FakeQueueCluster.Received lost = publishes.get(1);
        FakeQueueCluster.Received resent = publishes.get(2);
        assertEquals(lost.request().getPublisherId(), resent.request().getPublisherId());
        assertEquals(2, lost.request().getSequence());
        assertEquals(2, resent.request().getSequence());
        assertEquals(3 - lost.broker(), resent.broker(), "the resend goes to the next bootstrap broker");
        assertEquals(List.of("first", "second"), cluster.readyBodies("orders"), "the broker deduplicates the resend");
    }

    @Test
    void whenTheBrokerDiesPublishesGoThroughTheNextOne() {
        cluster.declareQueue("orders", 1);
        QueuePublisher publisher = publisher(QueuePublisherConfig.of(cluster.bootstrap()));
        assertTrue(publisher.publish("", "orders", utf8("a")).join().acked());
        int first = cluster.publishes().get(0).broker();
        cluster.stopBroker(first);
        assertTrue(publisher.publish("", "orders", utf8("b")).join().acked());
        assertEquals(3 - first, cluster.publishes().get(cluster.publishes().size() - 1).broker());
        assertEquals(List.of("a", "b"), cluster.readyBodies("orders"));
    }

    /**
     * A broker behind on metadata nacks publishes NOT_LEADER naming no leader for as long as it
     * cannot catch up; after a while of nothing else the publisher moves to the next broker.
     */
    @Test
    void aBrokerAnsweringOnlyNotLeaderNamingNoLeaderIsLeftForTheNextOne() {
        cluster.declareQueue("orders", 1);
        QueuePublisher publisher = publisher(QueuePublisherConfig.of(cluster.bootstrap())
                .withDeliveryTimeout(Duration.ofSeconds(20)));
        assertTrue(publisher.publish("", "orders", utf8("a")).join().acked());
        int first = cluster.publishes().get(0).broker();
        cluster.fallBehind(first);

        long start = System.nanoTime();
        PublishOutcome second = publisher.publish("", "orders", utf8("b")).join();
        assertTrue(second.acked(), second.toString());
        assertTrue(System.nanoTime() - start >= QueuePublisher.MOVE_AFTER_NO_LEADER.toNanos(),
                "not before the bound: a queue's election must not send it away");
        List<Integer> brokers = cluster.publishes().stream().map(Received::broker).toList();
        assertEquals(3 - first, brokers.get(brokers.size() - 1), "confirmed through the other broker");
        assertTrue(brokers.subList(0, brokers.size() - 1).stream().allMatch(broker -> broker == first),
                "resent where it was until the bound passed: " + brokers);
        assertEquals(List.of("a", "b"), cluster.readyBodies("orders"));
    }

    @Test
    void aRetriableNackIsResentAndAFinalOneSurfacesItsCode() {
        cluster.declareQueue("orders", 1);
        cluster.scriptPublishes(ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_LEADER);
        QueuePublisher publisher = publisher(QueuePublisherConfig.of(cluster.bootstrap()));
        assertTrue(publisher.publish("", "orders", utf8("a")).join().acked());
        assertEquals(List.of(1L, 1L, 1L), cluster.publishes().stream().map(r -> r.request().getSequence()).toList());
        assertEquals(1, cluster.publishes().stream().map(Received::broker).distinct().count(),
                "a brief NOT_LEADER naming no leader (a queue's election) is retried on the same broker");

        cluster.scriptPublishes(ErrorCode.RECORD_TOO_LARGE);
        PublishOutcome tooLarge = publisher.publish("", "orders", utf8("b")).join();
        assertEquals(PublishOutcome.Status.NACKED, tooLarge.status());
        assertEquals(ErrorCode.RECORD_TOO_LARGE, tooLarge.error());

        PublishOutcome noExchange = publisher.publish("missing", "k", utf8("c")).join();
        assertEquals(ErrorCode.NOT_FOUND, noExchange.error());
        assertTrue(noExchange.message().contains("missing"), noExchange.message());
        assertEquals(List.of("a"), cluster.readyBodies("orders"));
    }

    @Test
    void anUnroutableMandatoryPublishIsReturned() {
        QueuePublisher publisher = publisher(QueuePublisherConfig.of(cluster.bootstrap()));
        assertEquals(PublishOutcome.Status.RETURNED,
                publisher.publish("", "nowhere", Map.of(), utf8("x"), true).join().status());
        assertEquals(PublishOutcome.Status.ACKED, publisher.publish("", "nowhere", utf8("x")).join().status());
    }

    @Test
    void aPublishNeverConfirmedIsNackedAfterTheDeliveryTimeout() {
        cluster.declareQueue("orders", 1);
        Object[] breaks = new Object[500];
        java.util.Arrays.fill(breaks, PublishFate.BREAK);
        cluster.scriptPublishes(breaks);
        QueuePublisher publisher = publisher(QueuePublisherConfig.of(cluster.bootstrap())
                .withDeliveryTimeout(Duration.ofMillis(300)));
        PublishOutcome outcome = publisher.publish("", "orders", utf8("a")).join();
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, outcome.error());
        assertTrue(outcome.message().contains("scripted break"), outcome.message());
        assertTrue(cluster.publishes().size() > 1, "it was resent meanwhile");
    }

    @Test
    void aFullWindowBlocksThenNacksThePublishUnsent() {
        cluster.declareQueue("orders", 1);
        cluster.scriptPublishes(PublishFate.SILENT, PublishFate.SILENT);
        QueuePublisher publisher = publisher(QueuePublisherConfig.of(cluster.bootstrap()).withMaxInFlight(2)
                .withMaxBlock(Duration.ofMillis(50)));
        CompletableFuture<PublishOutcome> first = publisher.publish("", "orders", utf8("a"));
        publisher.publish("", "orders", utf8("b"));
        PublishOutcome third = publisher.publish("", "orders", utf8("c")).join();
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, third.error());
        assertTrue(third.message().startsWith("not sent"), third.message());
        assertEquals(2, cluster.publishes().size());
        assertEquals(2, publisher.inFlight());
        publisher.close(Duration.ofMillis(10));
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, first.join().error(), "close nacks what is still unconfirmed");
        await().until(() -> publisher.inFlight() == 0);
    }
}
