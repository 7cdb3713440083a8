package io.wharf.broker;

import static io.wharf.broker.QueueTestAdmin.next;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.wharf.proto.broker.Delivery;
import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.broker.PublishResponse;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.queue.Death;
import io.wharf.proto.queue.Message;
import io.wharf.proto.queue.MessageProperties;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead-lettering, TTLs and length and delivery limits on three real brokers in this JVM: dead
 * letters reach the dead-letter exchange's queues with RabbitMQ's x-death, once the source queue's
 * leader has them stored, also across a failover of that leader; expired messages are never
 * delivered; reject-publish nacks the publisher; a missing dead-letter exchange drops them.
 */
class DeadLetteringTest {

    private static final Map<String, String> BROKER_OVERRIDES = Map.of(BrokerConfig.REPLICA_FETCH_MAX_WAIT_MS, "200");

    // One cluster for the class (a cluster start is most of a test's time): each test uses queues
    // and publisher ids of its own, and a broker a test stopped is started again before the next.
    @TempDir
    static Path dir;
    private static InProcessCluster cluster;
    private static QueueTestAdmin admin;
    private static int publishers;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new InProcessCluster(dir);
        admin = new QueueTestAdmin(cluster);
        admin.startCluster(BROKER_OVERRIDES);
    }

    @BeforeEach
    void everyBrokerRuns() throws Exception {
        cluster.startMissingBrokers(3, BROKER_OVERRIDES);
    }

    @AfterEach
    void closeConsumers() {
        admin.closeConsumers();
    }

    @AfterAll
    static void stopCluster() throws InterruptedException {
        cluster.close();
    }

    // ------------------------------------------------------------------------------------------

    @Test
    void aRejectedMessageLandsInTheDeadLetterQueueWithXDeath() throws Exception {
        admin.declareExchange("dlx", ExchangeType.DIRECT);
        admin.declareQueue("dead", Map.of());
        admin.bind("dlx", "dead", "dead-key");
        admin.declareQueue("work", Map.of("x-dead-letter-exchange", "dlx", "x-dead-letter-routing-key", "dead-key"));
        publish("", "work", message("job"));

        StreamConsumer worker = admin.consume("work", 10);
        Delivery job = next(worker);
        worker.nack(job.getDeliveryTag(), false);

        Message dead = next(admin.consume("dead", 10)).getMessage();
        assertEquals("job", body(dead));
        assertEquals("dlx", dead.getExchange());
        assertEquals("dead-key", dead.getRoutingKey());
        assertEquals(List.of(Death.newBuilder().setQueue("work").setReason("rejected").setCount(1)
                .setExchange("").addRoutingKeys("work").setTime(dead.getXDeath(0).getTime()).build()),
                dead.getXDeathList());
        assertTrue(dead.getXDeath(0).getTime() > 0, "x-death's time");
        assertEquals(Map.of("x-first-death-queue", "work", "x-first-death-reason", "rejected",
                "x-first-death-exchange", "", "x-last-death-queue", "work", "x-last-death-reason", "rejected",
                "x-last-death-exchange", ""), dead.getHeadersMap());
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("work").getDeadLettering() == 0);
        DescribeQueueResponse work = admin.describe("work");
        assertEquals(0, work.getReady() + work.getUnacked(), work.toString());
    }

    @Test
    void aQueueDeadLetteringToItselfCountsEachRejectionInOneXDeathEntry() throws Exception {
        admin.declareQueue("loop", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "loop"));
        publish("", "loop", message("again"));
        StreamConsumer consumer = admin.consume("loop", 10);

        Delivery first = next(consumer);
        assertEquals(0, first.getMessage().getXDeathCount());
        consumer.nack(first.getDeliveryTag(), false);
        Delivery second = next(consumer);
        assertEquals(1, second.getMessage().getXDeath(0).getCount());
        consumer.nack(second.getDeliveryTag(), false);
        Delivery third = next(consumer);

        Message twice = third.getMessage();
        assertEquals("again", body(twice));
        assertEquals(1, twice.getXDeathCount(), twice.toString());
        assertEquals("loop", twice.getXDeath(0).getQueue());
        assertEquals("rejected", twice.getXDeath(0).getReason());
        assertEquals(2, twice.getXDeath(0).getCount());
        assertEquals("", twice.getXDeath(0).getExchange(), "the first death's exchange is kept");
        consumer.ack(third.getDeliveryTag(), false);
    }

    @Test
    void expiredMessagesAreNeverDeliveredAndAreDeadLetteredAsExpired() throws Exception {
        admin.declareQueue("expired", Map.of());
        admin.declareQueue("short-lived", Map.of("x-message-ttl", "300", "x-dead-letter-exchange", "",
                "x-dead-letter-routing-key", "expired"));
        admin.declareQueue("own-expiry", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "expired"));
        publish("", "short-lived", message("queue ttl"));
        publish("", "own-expiry", message("message ttl").toBuilder()
                .setProperties(MessageProperties.newBuilder().setExpiration("300")).build());

        StreamConsumer dead = admin.consume("expired", 10);
        Map<String, Death> deaths = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            Message letter = next(dead).getMessage();
            deaths.put(body(letter), letter.getXDeath(0));
            assertEquals("", letter.getProperties().getExpiration(), "a dead letter does not expire again");
        }
        assertEquals(Set.of("queue ttl", "message ttl"), deaths.keySet());
        assertEquals("short-lived", deaths.get("queue ttl").getQueue());
        assertEquals("expired", deaths.get("queue ttl").getReason());
        assertEquals("own-expiry", deaths.get("message ttl").getQueue());
        assertEquals("expired", deaths.get("message ttl").getReason());
        assertEquals("300", deaths.get("message ttl").getOriginalExpiration());

        // Nothing is left in the sources for a consumer that comes later.
        StreamConsumer late = admin.consume("short-lived", 10);
        await().atMost(Duration.ofSeconds(10)).until(late::subscribed);
        for (String queue : List.of("short-lived", "own-expiry")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe(queue).getDeadLettering() == 0);
            DescribeQueueResponse described = admin.describe(queue);
            assertEquals(0, described.getReady() + described.getUnacked(), described.toString());
        }
        assertTrue(late.deliveries.isEmpty(), "an expired message was delivered: " + late.deliveries);
    }

    @Test
    void aLengthLimitDeadLettersTheOldestAsMaxlen() throws Exception {
        admin.declareQueue("overflowed", Map.of());
        admin.declareQueue("bounded", Map.of("x-max-length", "2", "x-dead-letter-exchange", "",
                "x-dead-letter-routing-key", "overflowed"));
        for (String body : List.of("oldest", "middle", "newest")) {
            publish("", "bounded", message(body));
        }
        Message dropped = next(admin.consume("overflowed", 10)).getMessage();
        assertEquals("oldest", body(dropped));
        assertEquals("maxlen", dropped.getXDeath(0).getReason());
        StreamConsumer reader = admin.consume("bounded", 10);
        assertEquals("middle", body(next(reader).getMessage()));
        assertEquals("newest", body(next(reader).getMessage()));
    }

    @Test
    void rejectPublishNacksThePublisherWithQueueFullAndStoresNothing() throws Exception {
        admin.declareQueue("full", Map.of("x-max-length", "1", "x-overflow", "reject-publish"));
        int leader = admin.leaderOf("full");
        assertEquals(ErrorCode.NONE, publish(leader, "", "full", message("fits")).getError().getCode());

        for (int broker : List.of(leader, admin.otherThan(leader))) {  // stored here, and forwarded to the leader
            PublishResponse refused = publish(broker, "", "full", message("one too many"));
            assertFalse(refused.getAck(), refused.toString());
            assertEquals(ErrorCode.QUEUE_FULL, refused.getError().getCode(), refused.toString());
            assertTrue(refused.getError().getMessage().contains("'full'")
                    && refused.getError().getMessage().contains("x-max-length=1"), refused.toString());
        }
        assertEquals(1, admin.describe("full").getReady());
        assertEquals("fits", body(next(admin.consume("full", 10)).getMessage()));
    }

    @Test
    void aMessagePastTheDeliveryLimitIsDeadLetteredOnTheFailureAfterTheLimit() throws Exception {
        admin.declareQueue("gave-up", Map.of());
        admin.declareQueue("flaky", Map.of("x-delivery-limit", "1", "x-dead-letter-exchange", "",
                "x-dead-letter-routing-key", "gave-up"));
        publish("", "flaky", message("poison"));

        StreamConsumer crashing = admin.consume("flaky", 10);
        next(crashing);
        crashing.breakOff();  // failure 1: within the limit, delivered again
        StreamConsumer crashingAgain = admin.consume("flaky", 10);
        Delivery again = next(crashingAgain);
        assertEquals(1, again.getDeliveryCount());
        crashingAgain.breakOff();  // failure 2: past the limit

        Message dead = next(admin.consume("gave-up", 10)).getMessage();
        assertEquals("poison", body(dead));
        assertEquals("delivery_limit", dead.getXDeath(0).getReason());
    }

    @Test
    void aDeadLetterRefusedByItsTargetIsRetriedWhileTheSourceQueueIsIdle() throws Exception {
        admin.declareQueue("parking", Map.of("x-max-length", "1", "x-overflow", "reject-publish"));
        publish("", "parking", message("filler"));
        admin.declareQueue("source", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "parking"));
        publish("", "source", message("r1"));
        StreamConsumer rejecting = admin.consume("source", 10);
        rejecting.nack(next(rejecting).getDeliveryTag(), false);
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("source").getDeadLettering() == 1);
        rejecting.close();

        // Nothing happens on the source queue any more: only its upkeep can retry the dead letter.
        StreamConsumer draining = admin.consume("parking", 10);
        Delivery filler = next(draining);
        assertEquals("filler", body(filler.getMessage()));
        draining.ack(filler.getDeliveryTag(), false);
        assertEquals("r1", body(next(draining).getMessage()));
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("source").getDeadLettering() == 0);
    }

    @Test
    void deadLettersInFlightWhenTheTargetsLeaderStopsAllArrive() throws Exception {
        admin.declareQueue("target", Map.of());
        admin.declareQueue("origin", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "target"));
        List<String> bodies = List.of("m1", "m2", "m3", "m4", "m5", "m6");
        for (String body : bodies) {
            publish("", "origin", message(body));
        }
        StreamConsumer first = admin.consume("origin", 10);
        for (int i = 0; i < 3; i++) {
            first.nack(next(first).getDeliveryTag(), false);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("target").getReady() == 3);
        first.close();  // what it still holds (m4..m6) goes back to the origin queue

        // The target's leader goes; the origin's may go with it (then its successor takes over).
        cluster.stopBroker(admin.leaderOf("target"));
        admin.describe("origin");  // waits until a leader serves it again
        StreamConsumer second = admin.consume("origin", 10);
        for (int i = 0; i < 3; i++) {
            second.nack(next(second).getDeliveryTag(), false);
        }

        admin.describe("target");
        StreamConsumer dead = admin.consume("target", 10);
        Set<String> arrived = new HashSet<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Delivery delivery;
            while ((delivery = dead.deliveries.poll()) != null) {
                arrived.add(body(delivery.getMessage()));
                dead.ack(delivery.getDeliveryTag(), false);
            }
            return arrived.size() == bodies.size();
        });
        assertEquals(Set.copyOf(bodies), arrived, "every dead letter arrived (a duplicate would be allowed)");
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("origin").getDeadLettering() == 0);
        DescribeQueueResponse origin = admin.describe("origin");
        assertEquals(0, origin.getReady() + origin.getUnacked(), origin.toString());
    }

    @Test
    void deadLettersWaitingWhenTheSourceLeaderStopsArePublishedByTheNextLeader() throws Exception {
        // The dead-letter queue is full and refuses publishes: the dead letters wait, retried.
        admin.declareQueue("parked", Map.of("x-max-length", "1", "x-overflow", "reject-publish"));
        publish("", "parked", message("filler"));
        admin.declareQueue("stalled", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "parked"));
        List<String> rejected = List.of("r1", "r2", "r3");
        for (String body : rejected) {
            publish("", "stalled", message(body));
        }
        StreamConsumer rejecting = admin.consume("stalled", 10);
        for (int i = 0; i < rejected.size(); i++) {
            rejecting.nack(next(rejecting).getDeliveryTag(), false);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("stalled").getDeadLettering() == 3);

        int leader = admin.leaderOf("stalled");
        cluster.stopBroker(leader);
        await().atMost(Duration.ofSeconds(20)).until(() -> admin.leaderOf("stalled") > 0 && admin.leaderOf("parked") > 0);
        assertEquals(3, admin.describe("stalled").getDeadLettering(), "nothing lost in the failover");

        // Emptying the dead-letter queue one message at a time lets each dead letter in.
        StreamConsumer draining = admin.consume("parked", 10);
        Set<String> arrived = new HashSet<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Delivery delivery;
            while ((delivery = draining.deliveries.poll()) != null) {
                arrived.add(body(delivery.getMessage()));
                draining.ack(delivery.getDeliveryTag(), false);
            }
            return arrived.containsAll(rejected);
        });
        assertEquals(Set.of("filler", "r1", "r2", "r3"), arrived);
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("stalled").getDeadLettering() == 0);
    }

    @Test
    void deadLettersToAMissingExchangeAreDroppedAndCountedAndWithoutOneDiscarded() throws Exception {
        admin.declareQueue("nowhere", Map.of("x-dead-letter-exchange", "no-such-exchange"));
        admin.declareQueue("plain", Map.of());
        publish("", "nowhere", message("lost"));
        publish("", "plain", message("gone"));
        for (String queue : List.of("nowhere", "plain")) {
            StreamConsumer consumer = admin.consume(queue, 10);
            consumer.nack(next(consumer).getDeliveryTag(), false);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("nowhere").getDeadLettersDropped() == 1);
        DescribeQueueResponse nowhere = admin.describe("nowhere");
        assertEquals(0, nowhere.getReady() + nowhere.getUnacked() + nowhere.getDeadLettering(), nowhere.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("plain").getDiscardedMap()
                .equals(Map.of("rejected", 1L)));
        assertEquals(0, admin.describe("plain").getDeadLettersDropped());
    }

    // ------------------------------------------------------------------------------------------

    private static Message message(String body) {
        return Message.newBuilder().setBody(ByteString.copyFromUtf8(body)).build();
    }

    private static String body(Message message) {
        return message.getBody().toString(StandardCharsets.UTF_8);
    }

    /** Publishes to the default exchange or one bound to queue {@code key}, through that queue's leader; expects the confirm. */
    private void publish(String exchange, String key, Message message) {
        PublishResponse confirm = publish(admin.leaderOf(key), exchange, key, message);
        assertTrue(confirm.getAck(), confirm.toString());
    }

    /** Publishes one message through {@code brokerId} as a new publisher; returns its confirm. */
    private PublishResponse publish(int brokerId, String exchange, String key, Message message) {
        return admin.publish(brokerId, "test-" + publishers++, exchange, key, List.of(message), false).get(1L);
    }
}
