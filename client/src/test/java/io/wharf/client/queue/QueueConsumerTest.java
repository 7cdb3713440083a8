package io.wharf.client.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.fake.FakeQueueCluster;
import io.wharf.proto.common.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueueConsumerTest {

    private final FakeQueueCluster cluster = FakeQueueCluster.inProcess(2);
    private final LinkedBlockingQueue<QueueDelivery> received = new LinkedBlockingQueue<>();
    private QueueConsumer consumer;

    @AfterEach
    void tearDown() {
        if (consumer != null) {
            consumer.close();
        }
        cluster.close();
    }

    /** A consumer whose first bootstrap broker is {@code first}. */
    private QueueConsumer consumer(int first) {
        Endpoint a = cluster.brokers().get(first);
        Endpoint b = cluster.brokers().get(3 - first);
        consumer = new QueueConsumer(QueueConsumerConfig.of(List.of(a, b)).withRequestTimeout(Duration.ofSeconds(5))
                .withRetryBackoff(Duration.ofMillis(10)), cluster.channels());
        return consumer;
    }

    private QueueDelivery next() throws InterruptedException {
        QueueDelivery delivery = received.poll(5, TimeUnit.SECONDS);
        if (delivery == null) {
            throw new AssertionError("no delivery within 5 s");
        }
        return delivery;
    }

    private static String body(QueueDelivery delivery) {
        return new String(delivery.body(), StandardCharsets.UTF_8);
    }

    @Test
    void aBatchOfDeliveriesGoesToTheHandlerInOrderAndItsSingleAcksTravelTogether() throws Exception {
        cluster.declareQueue("jobs", 1);
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            bodies.add("job-" + i);
            cluster.enqueue("jobs", "job-" + i);
        }
        List<String> handled = new CopyOnWriteArrayList<>();
        consumer(1).subscribe("jobs", SubscribeOptions.defaults().withPrefetch(100), delivery -> {
            handled.add(body(delivery));
            delivery.ack();
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> cluster.acked().size() == 50);
        assertEquals(bodies, handled, "in queue order");
        assertEquals(0, cluster.unacked("jobs"));
        assertTrue(cluster.ackRequests() < 50, "50 single acks made in one batch share requests: "
                + cluster.ackRequests());
    }

    @Test
    void deliveriesStayWithinThePrefetchAndEachAckLetsAnotherCome() throws Exception {
        cluster.declareQueue("jobs", 1);
        for (String body : List.of("a", "b", "c", "d")) {
            cluster.enqueue("jobs", body);
        }
        QueueSubscription subscription = consumer(1).subscribe("jobs", SubscribeOptions.defaults().withPrefetch(2),
                received::add);
        assertEquals("ctag-1", subscription.consumerTag());
        QueueDelivery a = next();
        QueueDelivery b = next();
        assertEquals(List.of("a", "b"), List.of(body(a), body(b)));
        assertEquals(1000, a.deliveryTag());
        assertEquals(1003, b.deliveryTag(), "tags are message ids, not 1, 2, 3");
        assertFalse(a.redelivered());
        assertEquals("jobs", a.queue());
        assertEquals(2, cluster.unacked("jobs"));
        assertTrue(received.isEmpty());

        a.ackSync().get(5, TimeUnit.SECONDS);
        QueueDelivery c = next();
        assertEquals("c", body(c));
        b.nack(true);
        QueueDelivery again = next();
        assertEquals("b", body(again));
        assertTrue(again.redelivered());
        assertEquals(List.of(1000L), cluster.acked());

        subscription.ack(c.deliveryTag(), true); // settles the redelivered b (a lower tag) with it
        await().until(() -> cluster.acked().size() == 3);
        assertEquals(List.of(1000L, 1003L, 1006L), cluster.acked().stream().sorted().toList());
        assertEquals("d", body(next()));
    }

    @Test
    void aSubscriptionFollowsNotLeaderAndResubscribesWhenTheLeaderMoves() throws Exception {
        cluster.declareQueue("jobs", 1);
        QueueSubscription subscription = consumer(2).subscribe("jobs", SubscribeOptions.defaults(), received::add);
        assertEquals(cluster.brokers().get(1), subscription.broker(), "redirected to the leader");
        cluster.enqueue("jobs", "a");
        QueueDelivery first = next();

        cluster.moveQueueLeader("jobs", 2);
        QueueDelivery again = next();
        assertEquals(first.deliveryTag(), again.deliveryTag());
        assertTrue(again.redelivered());
        assertEquals(cluster.brokers().get(2), subscription.broker());

        CompletionException stale = assertThrows(CompletionException.class, () -> first.ackSync().join());
        assertEquals(ErrorCode.UNKNOWN_DELIVERY_TAG, ((ClientException) stale.getCause()).code());
        first.ack(); // dropped locally: the new stream would be closed for it
        again.ackSync().get(5, TimeUnit.SECONDS);
        assertEquals(List.of(again.deliveryTag()), cluster.acked());
        assertFalse(subscription.done().isDone());
    }

    @Test
    void aBrokenStreamIsResubscribed() throws Exception {
        cluster.declareQueue("jobs", 1);
        QueueSubscription subscription = consumer(1).subscribe("jobs", SubscribeOptions.defaults(), received::add);
        cluster.breakConsumeStreams("jobs");
        await().until(() -> cluster.subscribes() == 2 && cluster.consumers("jobs") == 1);
        cluster.enqueue("jobs", "after");
        assertEquals("after", body(next()));
        assertFalse(subscription.done().isDone());
    }

    @Test
    void whenTheLeaderDiesTheSubscriptionAttachesToTheNextOne() throws Exception {
        cluster.declareQueue("jobs", 1);
        QueueSubscription subscription = consumer(1).subscribe("jobs", SubscribeOptions.defaults(), received::add);
        cluster.enqueue("jobs", "a");
        QueueDelivery first = next();
        cluster.failOver("jobs", 2);
        QueueDelivery again = next();
        assertEquals(first.deliveryTag(), again.deliveryTag());
        assertTrue(again.redelivered());
        assertEquals(cluster.brokers().get(2), subscription.broker());
        again.ackSync().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aSubscriptionThatCannotReconnectEndsAfterTheReconnectTimeout() {
        cluster.declareQueue("jobs", 1);
        consumer = new QueueConsumer(QueueConsumerConfig.of(cluster.bootstrap())
                .withReconnectTimeout(Duration.ofMillis(200)).withRetryBackoff(Duration.ofMillis(10)), cluster.channels());
        QueueSubscription subscription = consumer.subscribe("jobs", SubscribeOptions.defaults(), received::add);
        cluster.stopBroker(2);
        cluster.stopBroker(1);
        CompletionException ended = assertThrows(CompletionException.class, () -> subscription.done().join());
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, ((ClientException) ended.getCause()).code());
        assertEquals(1, cluster.subscribes(), "reconnects never attached anywhere");
    }

    @Test
    void aCodedCloseEndsTheSubscriptionWithoutRetrying() {
        cluster.declareQueue("jobs", 1);
        QueueSubscription subscription = consumer(1).subscribe("jobs", SubscribeOptions.defaults(), received::add);
        cluster.closeConsumers("jobs", ErrorCode.NOT_FOUND, "queue 'jobs' was deleted");
        CompletionException ended = assertThrows(CompletionException.class, () -> subscription.done().join());
        ClientException cause = (ClientException) ended.getCause();
        assertEquals(ErrorCode.NOT_FOUND, cause.code());
        assertTrue(cause.getMessage().contains("queue 'jobs' was deleted"), cause.getMessage());
        assertEquals(1, cluster.subscribes());
    }

    @Test
    void subscribingToAMissingOrLockedQueueFailsWithTheCode() {
        cluster.declareQueue("jobs", 1);
        ClientException missing = assertThrows(ClientException.class,
                () -> consumer(2).subscribe("nope", SubscribeOptions.defaults(), received::add));
        assertEquals(ErrorCode.NOT_FOUND, missing.code());
        consumer.subscribe("jobs", SubscribeOptions.defaults().withExclusive(true), received::add);
        ClientException locked = assertThrows(ClientException.class,
                () -> consumer.subscribe("jobs", SubscribeOptions.defaults(), received::add));
        assertEquals(ErrorCode.RESOURCE_LOCKED, locked.code());
    }

    @Test
    void aLargerPrefetchLetsMoreDeliveriesCome() throws Exception {
        cluster.declareQueue("jobs", 1);
        for (String body : List.of("a", "b", "c")) {
            cluster.enqueue("jobs", body);
        }
        QueueSubscription subscription = consumer(1).subscribe("jobs", SubscribeOptions.defaults().withPrefetch(1),
                received::add);
        assertEquals("a", body(next()));
        assertEquals(1, cluster.unacked("jobs"));
        subscription.setPrefetch(3);
        assertEquals("b", body(next()));
        assertEquals("c", body(next()));
        assertEquals(3, cluster.unacked("jobs"));
    }

    @Test
    void noAckDeliveriesCannotBeSettled() throws Exception {
        cluster.declareQueue("jobs", 1);
        cluster.enqueue("jobs", "a");
        consumer(1).subscribe("jobs", SubscribeOptions.defaults().withNoAck(true), received::add);
        QueueDelivery delivery = next();
        assertThrows(IllegalStateException.class, delivery::ack);
        assertEquals(0, cluster.unacked("jobs"));
    }

    @Test
    void getPollsOneMessageFromTheLeader() {
        cluster.declareQueue("jobs", 1);
        cluster.enqueue("jobs", "a");
        Optional<QueueDelivery> got = consumer(2).get("jobs");
        assertEquals("a", body(got.orElseThrow()));
        assertThrows(IllegalStateException.class, got.get()::ack);
        assertTrue(consumer.get("jobs").isEmpty());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(ClientException.class, () -> consumer.get("nope")).code());
    }
}
