package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.wharf.proto.broker.DeleteQueueRequest;
import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.broker.Delivery;
import io.wharf.proto.broker.GetRequest;
import io.wharf.proto.broker.GetResponse;
import io.wharf.proto.broker.PublishResponse;
import io.wharf.proto.broker.PurgeQueueRequest;
import io.wharf.proto.broker.SubscribeRequest;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.queue.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queues on three real brokers in this JVM: publishes routed by any broker and confirmed once
 * committed, push delivery within the prefetch, ack / nack / reject, redelivery when a consumer
 * goes and when the queue's leader moves, Get, describe, purge, delete, and the log start moving
 * as messages settle.
 */
class QueuesTest {

    private static final Map<String, String> BROKER_OVERRIDES = Map.of(BrokerConfig.REPLICA_FETCH_MAX_WAIT_MS, "200",
            BrokerConfig.QUEUE_CHECKPOINT_INTERVAL_ENTRIES, "50", BrokerConfig.QUEUE_MOVE_THRESHOLD_ENTRIES, "400",
            BrokerConfig.QUEUE_CONSUMER_TIMEOUT_MS, "60000");

    // One cluster for the class (a cluster start is most of a test's time): each test uses queues
    // of its own, and a test that stops a broker has it running again before the next one starts.
    @TempDir
    static Path dir;
    private static InProcessCluster cluster;
    private static QueueTestAdmin admin;
    private final List<StreamConsumer> consumers = new ArrayList<>();

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

    private static void startBroker(int id) throws Exception {
        cluster.startBroker(id, BROKER_OVERRIDES);
    }

    @AfterEach
    void closeConsumers() {
        consumers.forEach(StreamConsumer::close);
    }

    @AfterAll
    static void stopCluster() throws InterruptedException {
        cluster.close();
    }

    // ------------------------------------------------------------------------------------------

    /** Publishes each body on one stream through {@code brokerId}; returns the confirms by sequence. */
    private Map<Long, PublishResponse> publish(int brokerId, String publisherId, String exchange, String key,
                                               List<String> bodies, boolean mandatory) {
        return admin.publish(brokerId, publisherId, exchange, key, bodies.stream()
                .map(body -> Message.newBuilder().setBody(ByteString.copyFromUtf8(body)).build()).toList(), mandatory);
    }

    private static List<String> bodies(String prefix, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(prefix + "-" + i);
        }
        return out;
    }

    private StreamConsumer consume(String queue, int prefetch) {
        return consume(queue, SubscribeRequest.newBuilder().setQueue(queue).setPrefetch(prefetch).build());
    }

    private StreamConsumer consume(String queue, SubscribeRequest subscribe) {
        StreamConsumer consumer = new StreamConsumer(cluster.channel(admin.leaderOf(queue)), subscribe);
        consumers.add(consumer);
        return consumer;
    }

    private static String body(Delivery delivery) {
        return delivery.getMessage().getBody().toString(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------

    @Test
    void publishesRoutedByAnyBrokerAreConfirmedAndEachDeliveredOnce() throws Exception {
        admin.declareExchange("jobs", ExchangeType.DIRECT);
        admin.declareQueue("thumbnails", Map.of());
        admin.bind("jobs", "thumbnails", "thumb");
        int leader = admin.leaderOf("thumbnails");

        List<String> viaOther = bodies("forwarded", 200);
        List<String> viaLeader = bodies("local", 200);
        Map<Long, PublishResponse> forwarded = publish(admin.otherThan(leader), "p-1", "jobs", "thumb", viaOther, false);
        Map<Long, PublishResponse> local = publish(leader, "p-2", "jobs", "thumb", viaLeader, false);
        assertTrue(forwarded.values().stream().allMatch(r -> r.getAck() && r.getRoutedQueues() == 1), forwarded.toString());
        assertTrue(local.values().stream().allMatch(PublishResponse::getAck), local.toString());

        StreamConsumer consumer = consume("thumbnails", 50);
        Set<String> expected = new HashSet<>(viaOther);
        expected.addAll(viaLeader);
        List<String> seen = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Delivery next;
            while ((next = consumer.deliveries.poll()) != null) {
                assertFalse(next.getRedelivered(), "a first delivery is not redelivered");
                seen.add(body(next));
                consumer.ack(next.getDeliveryTag(), false);
            }
            return seen.size() >= expected.size();
        });
        assertEquals(expected.size(), seen.size(), "each message once");
        assertEquals(expected, new HashSet<>(seen));
        assertTrue(consumer.maxHeld() <= 50, "never more than the prefetch unacked: " + consumer.maxHeld());
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("thumbnails").getUnacked() == 0);
        DescribeQueueResponse described = admin.describe("thumbnails");
        assertEquals(0, described.getReady());
        assertEquals(1, described.getConsumersCount());
    }

    @Test
    void prefetchBoundsEachConsumerAndWorkIsSpread() throws Exception {
        admin.declareQueue("reports", Map.of());
        StreamConsumer first = consume("reports", 3);
        StreamConsumer second = consume("reports", 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> first.subscribed() && second.subscribed());
        publish(admin.leaderOf("reports"), "p", "", "reports", bodies("r", 30), false);

        // Nobody acks yet: three each, the rest waits.
        await().atMost(Duration.ofSeconds(10)).until(() -> first.deliveries.size() == 3 && second.deliveries.size() == 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("reports").getReady() == 24);
        assertEquals(6, admin.describe("reports").getUnacked());
        first.prefetch(5);  // basic.qos on a live consumer: it takes two more at once
        await().atMost(Duration.ofSeconds(10)).until(() -> first.deliveries.size() == 5);
        assertEquals(8, admin.describe("reports").getUnacked());

        Set<String> seen = ConcurrentHashMap.newKeySet();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (StreamConsumer consumer : List.of(first, second)) {
                Delivery next;
                while ((next = consumer.deliveries.poll()) != null) {
                    assertTrue(seen.add(body(next)), "delivered twice: " + body(next));
                    consumer.ack(next.getDeliveryTag(), false);
                }
            }
            return seen.size() == 30;
        });
        assertTrue(first.maxHeld() <= 5 && second.maxHeld() <= 3, first.maxHeld() + " / " + second.maxHeld());
    }

    @Test
    void nackWithRequeueRedeliversMarkedAndRejectDropsCountingAFailedDelivery() throws Exception {
        admin.declareQueue("pdf", Map.of());
        publish(admin.leaderOf("pdf"), "p", "", "pdf", List.of("one", "two"), false);
        StreamConsumer consumer = consume("pdf", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.deliveries.size() == 1);
        Delivery one = consumer.deliveries.poll();
        assertEquals("one", body(one));
        consumer.nack(one.getDeliveryTag(), true);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.deliveries.size() == 1);
        Delivery again = consumer.deliveries.poll();
        assertEquals("one", body(again), "a requeued message goes back to its place, ahead of newer ones");
        assertTrue(again.getRedelivered());
        assertEquals(0, again.getDeliveryCount(), "a nack with requeue is not a failed delivery (RabbitMQ 4.3)");
        consumer.nack(again.getDeliveryTag(), false);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.deliveries.size() == 1);
        Delivery two = consumer.deliveries.poll();
        assertEquals("two", body(two), "the rejected one is gone");
        assertFalse(two.getRedelivered());
        consumer.ack(two.getDeliveryTag(), false);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.settled().contains(two.getDeliveryTag()));
        DescribeQueueResponse described = admin.describe("pdf");
        assertEquals(0, described.getReady() + described.getUnacked());
    }

    @Test
    void aConsumerThatGoesAwayHasItsMessagesRedeliveredToAnother() throws Exception {
        admin.declareQueue("work", Map.of());
        publish(admin.leaderOf("work"), "p", "", "work", bodies("w", 5), false);
        StreamConsumer crashing = consume("work", 5);
        await().atMost(Duration.ofSeconds(10)).until(() -> crashing.deliveries.size() == 5);
        Delivery acked = crashing.deliveries.poll();
        crashing.ack(acked.getDeliveryTag(), false);
        await().atMost(Duration.ofSeconds(10)).until(() -> crashing.settled().contains(acked.getDeliveryTag()));
        crashing.breakOff();

        StreamConsumer survivor = consume("work", 10);
        await().atMost(Duration.ofSeconds(10)).until(() -> survivor.deliveries.size() == 4);
        Set<String> redelivered = new HashSet<>();
        for (Delivery delivery : survivor.deliveries) {
            assertTrue(delivery.getRedelivered(), body(delivery));
            assertEquals(1, delivery.getDeliveryCount(), "a crashed consumer counts as a failed delivery");
            redelivered.add(body(delivery));
        }
        assertFalse(redelivered.contains(body(acked)), "an acked message is never delivered again");
        assertEquals(4, redelivered.size());
    }

    @Test
    void aConsumerWithoutPrefetchLimitGetsABacklogInBatchesOfBoundedSize() throws Exception {
        admin.declareQueue("backlog", Map.of());
        int limit = 1024 * 1024;  // the broker's ConsumerStream.MAX_BATCH_BYTES
        String large = "x".repeat(limit * 3 / 8);  // two fit in a batch, three do not
        publish(admin.leaderOf("backlog"), "p", "", "backlog", List.of(large, large, large, large, large, large, "small"),
                false);
        StreamConsumer consumer = consume("backlog", 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.deliveries.size() == 7);
        assertTrue(consumer.batchBytes.size() >= 3, "six large messages need three batches at least: "
                + consumer.batchBytes);
        assertTrue(consumer.batchBytes.stream().allMatch(bytes -> bytes <= limit + 1024),
                consumer.batchBytes::toString);
        assertEquals(List.of(large, large, large, large, large, large, "small"),
                consumer.deliveries.stream().map(QueuesTest::body).toList(), "in queue order");
    }

    @Test
    void severalTagsAckedInOneRequestAreSettledEachAloneAndAnUnknownOneAmongThemClosesTheStream() throws Exception {
        admin.declareQueue("batched", Map.of());
        publish(admin.leaderOf("batched"), "p", "", "batched", bodies("b", 6), false);
        StreamConsumer consumer = consume("batched", 10);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.deliveries.size() == 6);
        List<Long> tags = consumer.deliveries.stream().map(Delivery::getDeliveryTag).toList();
        // Every other one, so no "multiple" could say the same.
        consumer.ackEach(List.of(tags.get(0), tags.get(2), tags.get(4)));
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.settled().size() == 3);
        assertEquals(Set.of(tags.get(0), tags.get(2), tags.get(4)), Set.copyOf(consumer.settled()));
        assertEquals(3, admin.describe("batched").getUnacked());

        // The tags before an unknown one are settled, as if sent one by one; then the stream closes.
        consumer.ackEach(List.of(tags.get(1), tags.get(1) + 1000, tags.get(3)));
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.closed() != null && consumer.ended());
        assertEquals(ErrorCode.UNKNOWN_DELIVERY_TAG, consumer.closed().getCode());
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("batched").getUnacked() == 0
                && admin.describe("batched").getReady() == 2);
        StreamConsumer next = consume("batched", 10);
        await().atMost(Duration.ofSeconds(10)).until(() -> next.deliveries.size() == 2);
        assertEquals(Set.of("b-3", "b-5"), next.deliveries.stream().map(QueuesTest::body).collect(Collectors.toSet()),
                "what was acked before the unknown tag is gone; the rest comes back");
        next.close();
    }

    @Test
    void anAckOfATagTheConsumerDoesNotHoldClosesTheStreamWithACode() throws Exception {
        admin.declareQueue("strict", Map.of());
        publish(admin.leaderOf("strict"), "p", "", "strict", List.of("x"), false);
        StreamConsumer consumer = consume("strict", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.deliveries.size() == 1);
        Delivery delivery = consumer.deliveries.peek();
        consumer.ack(delivery.getDeliveryTag() + 1000, false);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.closed() != null && consumer.ended());
        assertEquals(ErrorCode.UNKNOWN_DELIVERY_TAG, consumer.closed().getCode());
        assertTrue(consumer.closed().getMessage().contains(String.valueOf(delivery.getDeliveryTag() + 1000)));
        // The message it held goes back; the queue and the broker serve on.
        StreamConsumer next = consume("strict", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> next.deliveries.size() == 1);
        assertTrue(next.deliveries.peek().getRedelivered());
    }

    @Test
    void publishesToUnknownOrUnroutableDestinationsAreAnsweredWithoutStoringAnything() throws Exception {
        admin.declareQueue("only", Map.of());
        int leader = admin.leaderOf("only");
        PublishResponse unknown = publish(leader, "p", "nope", "k", List.of("a"), false).get(1L);
        assertFalse(unknown.getAck());
        assertEquals(ErrorCode.NOT_FOUND, unknown.getError().getCode());
        PublishResponse returned = publish(leader, "p2", "", "no-such-queue", List.of("b"), true).get(1L);
        assertTrue(returned.getAck() && returned.getReturned(), returned.toString());
        PublishResponse dropped = publish(leader, "p3", "", "no-such-queue", List.of("c"), false).get(1L);
        assertTrue(dropped.getAck() && !dropped.getReturned(), dropped.toString());
        PublishResponse tooLarge = publish(leader, "p4", "", "only", List.of("x".repeat(1_100_000)), false).get(1L);
        assertEquals(ErrorCode.RECORD_TOO_LARGE, tooLarge.getError().getCode(), tooLarge.toString());
        assertEquals(0, admin.describe("only").getReady());

        StreamConsumer ghost = new StreamConsumer(cluster.channel(leader), SubscribeRequest.newBuilder()
                .setQueue("ghost").setPrefetch(1).build());
        consumers.add(ghost);
        await().atMost(Duration.ofSeconds(10)).until(() -> ghost.closed() != null);
        assertEquals(ErrorCode.NOT_FOUND, ghost.closed().getCode());
        StreamConsumer elsewhere = new StreamConsumer(cluster.channel(admin.otherThan(leader)), SubscribeRequest.newBuilder()
                .setQueue("only").setPrefetch(1).build());
        consumers.add(elsewhere);
        await().atMost(Duration.ofSeconds(10)).until(() -> elsewhere.closed() != null);
        assertEquals(ErrorCode.NOT_LEADER, elsewhere.closed().getCode());
        assertEquals(leader, elsewhere.closed().getLeaderId());
    }

    @Test
    void aRetriedPublishIsStoredOnce() throws Exception {
        admin.declareQueue("once", Map.of());
        int leader = admin.leaderOf("once");
        publish(leader, "same-publisher", "", "once", List.of("a", "b"), false);
        publish(admin.otherThan(leader), "same-publisher", "", "once", List.of("a", "b"), false);  // a retry after a lost confirm
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("once").getReady() == 2);
        publish(leader, "another-publisher", "", "once", List.of("c"), false);
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("once").getReady() == 3);
    }

    @Test
    void getPollsPurgeDropsReadyAndDeleteChecksItsConditions() throws Exception {
        admin.declareQueue("polled", Map.of());
        int leader = admin.leaderOf("polled");
        publish(leader, "p", "", "polled", List.of("first", "second", "third"), false);
        GetResponse got = cluster.stub(leader).get(GetRequest.newBuilder().setQueue("polled").build());
        assertEquals(ErrorCode.NONE, got.getError().getCode(), got.toString());
        assertEquals("first", body(got.getDelivery()));
        assertEquals(2, got.getMessageCount());

        var refused = cluster.stub(leader).deleteQueue(DeleteQueueRequest.newBuilder().setQueue("polled")
                .setIfEmpty(true).build());
        assertEquals(ErrorCode.PRECONDITION_FAILED, refused.getError().getCode());
        var purged = cluster.stub(leader).purgeQueue(PurgeQueueRequest.newBuilder().setQueue("polled").build());
        assertEquals(2, purged.getPurged());
        GetResponse empty = cluster.stub(leader).get(GetRequest.newBuilder().setQueue("polled").build());
        assertTrue(empty.getEmpty(), empty.toString());

        StreamConsumer consumer = consume("polled", 1);
        await().atMost(Duration.ofSeconds(10)).until(consumer::subscribed);
        var inUse = cluster.stub(leader).deleteQueue(DeleteQueueRequest.newBuilder().setQueue("polled")
                .setIfUnused(true).build());
        assertEquals(ErrorCode.PRECONDITION_FAILED, inUse.getError().getCode());
        var deleted = cluster.stub(leader).deleteQueue(DeleteQueueRequest.newBuilder().setQueue("polled").build());
        assertEquals(ErrorCode.NONE, deleted.getError().getCode(), deleted.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.closed() != null);
        assertEquals(ErrorCode.NOT_FOUND, consumer.closed().getCode());
    }

    @Test
    void anExclusiveConsumerLocksTheQueueAndASingleActiveConsumerQueueFailsOver() throws Exception {
        admin.declareQueue("mine", Map.of());
        StreamConsumer owner = consume("mine", SubscribeRequest.newBuilder().setQueue("mine").setPrefetch(1)
                .setExclusive(true).build());
        await().atMost(Duration.ofSeconds(10)).until(owner::subscribed);
        StreamConsumer intruder = consume("mine", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> intruder.closed() != null);
        assertEquals(ErrorCode.RESOURCE_LOCKED, intruder.closed().getCode());

        admin.declareQueue("ordered", Map.of("x-single-active-consumer", "true"));
        StreamConsumer active = consume("ordered", 10);
        await().atMost(Duration.ofSeconds(10)).until(active::subscribed);
        StreamConsumer standby = consume("ordered", 10);
        await().atMost(Duration.ofSeconds(10)).until(standby::subscribed);
        publish(admin.leaderOf("ordered"), "p", "", "ordered", bodies("o", 5), false);
        await().atMost(Duration.ofSeconds(10)).until(() -> active.deliveries.size() == 5);
        assertTrue(standby.deliveries.isEmpty(), "only the active consumer gets messages");
        active.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> standby.deliveries.size() == 5);
        assertEquals(List.of("o-0", "o-1", "o-2", "o-3", "o-4"),
                standby.deliveries.stream().map(QueuesTest::body).toList(), "in order, on the standby");
    }

    @Test
    void aNewLeaderKnowsWhatWasAckedAndRedeliversOnlyWhatWasHeld() throws Exception {
        admin.declareQueue("durable", Map.of());
        int leader = admin.leaderOf("durable");
        publish(admin.otherThan(leader), "p", "", "durable", bodies("d", 20), false);
        StreamConsumer consumer = consume("durable", 20);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.deliveries.size() == 20);
        Set<String> acked = new HashSet<>();
        List<Delivery> all = new ArrayList<>(consumer.deliveries);
        for (int i = 0; i < 10; i++) {
            consumer.ack(all.get(i).getDeliveryTag(), false);
            acked.add(body(all.get(i)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.settled().size() == 10);

        cluster.stopBroker(leader);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.closed() != null || consumer.ended());
        await().atMost(Duration.ofSeconds(20)).until(() -> admin.leaderOf("durable") > 0);
        StreamConsumer after = consume("durable", 20);
        Map<String, Delivery> again = new HashMap<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            Delivery next;
            while ((next = after.deliveries.poll()) != null) {
                again.put(body(next), next);
            }
            return again.size() >= 10;
        });
        assertEquals(10, again.size());
        assertTrue(again.keySet().stream().noneMatch(acked::contains), "acked before the failover: " + again.keySet());
        assertTrue(again.values().stream().allMatch(Delivery::getRedelivered), "held by the old leader's consumer");
        startBroker(leader);
    }

    @Test
    void theLogStartFollowsSettledMessagesAndALongHeldOneIsMovedToTheTail() throws Exception {
        admin.declareQueue("bounded", Map.of());
        int leader = admin.leaderOf("bounded");
        publish(leader, "p", "", "bounded", List.of("held for hours"), false);
        StreamConsumer slow = consume("bounded", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> slow.deliveries.size() == 1);
        StreamConsumer fast = consume("bounded", 100);
        List<String> many = bodies("m", 1000);
        publish(leader, "p2", "", "bounded", many, false);
        Set<String> seen = new HashSet<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Delivery next;
            while ((next = fast.deliveries.poll()) != null) {
                seen.add(body(next));
                fast.ack(next.getDeliveryTag(), false);
            }
            return seen.size() == many.size();
        });
        // Without moving the held message the log could not start after offset 0.
        await().atMost(Duration.ofSeconds(30)).until(() -> admin.describe("bounded").getLogStartOffset() > 500);
        Delivery held = slow.deliveries.peek();
        slow.ack(held.getDeliveryTag(), false);
        await().atMost(Duration.ofSeconds(10)).until(() -> slow.settled().contains(held.getDeliveryTag()));
        // The fast consumer's last acks may still be on their way: wait for them too.
        await().atMost(Duration.ofSeconds(10)).until(() -> fast.settled().size() == many.size());
        DescribeQueueResponse described = admin.describe("bounded");
        assertEquals(0, described.getReady() + described.getUnacked(), described.toString());
        assertEquals(Set.copyOf(many), seen);
    }

    @Test
    void aFanoutPublishIsConfirmedOnceEveryQueueHasItAndANoAckConsumerEmptiesItsQueue() throws Exception {
        admin.declareExchange("events", ExchangeType.FANOUT);
        admin.declareQueue("audit", Map.of());
        admin.declareQueue("mail", Map.of());
        admin.bind("events", "audit", "");
        admin.bind("events", "mail", "ignored by fanout");
        PublishResponse confirm = publish(admin.otherThan(admin.leaderOf("audit")), "p", "events", "any", List.of("signed-up"),
                false).get(1L);
        assertTrue(confirm.getAck(), confirm.toString());
        assertEquals(2, confirm.getRoutedQueues());
        for (String queue : List.of("audit", "mail")) {
            StreamConsumer consumer = consume(queue, SubscribeRequest.newBuilder().setQueue(queue).setPrefetch(10)
                    .setNoAck(true).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> consumer.deliveries.size() == 1);
            assertEquals("signed-up", body(consumer.deliveries.peek()));
            assertEquals("events", consumer.deliveries.peek().getMessage().getExchange());
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe(queue).getUnacked() == 0
                    && admin.describe(queue).getReady() == 0);
        }
    }

    @Test
    void aConsumerHoldingADeliveryPastTheConsumerTimeoutIsClosedAndItsMessageGoesToAnother() throws Exception {
        admin.declareQueue("slow", Map.of("x-consumer-timeout", "1000"));
        publish(admin.leaderOf("slow"), "p", "", "slow", List.of("report"), false);
        StreamConsumer stuck = consume("slow", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> stuck.deliveries.size() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> stuck.closed() != null);
        assertEquals(ErrorCode.PRECONDITION_FAILED, stuck.closed().getCode());
        assertTrue(stuck.closed().getMessage().contains("timed out"), stuck.closed().getMessage());
        StreamConsumer next = consume("slow", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> next.deliveries.size() == 1);
        Delivery again = next.deliveries.peek();
        assertEquals("report", body(again));
        assertTrue(again.getRedelivered());
        assertEquals(1, again.getDeliveryCount(), "a consumer timeout counts as a failed delivery");
    }

    @Test
    void anAckWithMultipleSettlesEveryEarlierDeliveryTheConsumerHolds() throws Exception {
        admin.declareQueue("batch", Map.of());
        publish(admin.leaderOf("batch"), "p", "", "batch", bodies("b", 5), false);
        StreamConsumer consumer = consume("batch", 5);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.deliveries.size() == 5);
        List<Delivery> held = new ArrayList<>(consumer.deliveries);
        consumer.ack(held.get(2).getDeliveryTag(), true);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.settled().size() == 3);
        assertEquals(held.subList(0, 3).stream().map(Delivery::getDeliveryTag).toList(), consumer.settled());
        DescribeQueueResponse described = admin.describe("batch");
        assertEquals(2, described.getUnacked());
        assertEquals(0, described.getReady());
    }

    @Test
    void aConsumerThatGoesWhileTooFewReplicasAreInSyncStillGivesItsMessageBackOnceTheyAre() throws Exception {
        admin.declareQueue("resilient", Map.of());
        int leader = admin.leaderOf("resilient");
        String topic = "__queue.resilient";
        publish(leader, "p", "", "resilient", List.of("keep me"), false);
        StreamConsumer first = consume("resilient", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> first.deliveries.size() == 1);
        List<Integer> followers = cluster.brokers().keySet().stream().filter(id -> id != leader).toList();
        for (int follower : followers) {
            cluster.stopBroker(follower);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> isr(leader, topic).size() == 1);
        first.breakOff();  // its ConsumerGone cannot be committed now: min.insync.replicas is 2
        for (int follower : followers) {
            startBroker(follower);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> isr(leader, topic).size() == 3);
        StreamConsumer second = consume("resilient", 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> second.deliveries.size() == 1);
        assertEquals("keep me", body(second.deliveries.peek()));
        assertTrue(second.deliveries.peek().getRedelivered());
    }

    private List<Integer> isr(int brokerId, String topic) {
        return cluster.brokers().get(brokerId).metadataImage().topic(topic).flatMap(t -> t.partition(0))
                .map(p -> p.isr()).orElse(List.of());
    }
}
