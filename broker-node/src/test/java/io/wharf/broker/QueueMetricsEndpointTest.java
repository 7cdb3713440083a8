package io.wharf.broker;

import static io.wharf.broker.QueueTestAdmin.next;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.wharf.broker.metrics.Exposition;
import io.wharf.proto.broker.Delivery;
import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.broker.PublishResponse;
import io.wharf.proto.queue.Message;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-queue series on three real brokers' {@code /metrics}, scraped over HTTP: the queue's
 * leader serves its depth, unacked, consumers, rates, redeliveries, dead letters and discards as
 * DescribeQueue reports them; the brokers that only follow it serve none of its series.
 */
class QueueMetricsEndpointTest {

    @TempDir
    Path dir;
    private InProcessCluster cluster;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private QueueTestAdmin admin;
    private int publishers;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new InProcessCluster(dir);
        admin = new QueueTestAdmin(cluster);
        admin.startCluster(Map.of(BrokerConfig.REPLICA_FETCH_MAX_WAIT_MS, "200", BrokerConfig.METRICS_PORT, "0"));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        admin.closeConsumers();
        cluster.close();
    }

    @Test
    void theLeaderServesTheQueueFiguresAndTheFollowersDoNot() throws Exception {
        admin.declareQueue("parked", Map.of());
        admin.declareQueue("work", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "parked"));
        admin.declareQueue("plain", Map.of());
        for (int i = 0; i < 8; i++) {
            publish("work", "job-" + i);
        }
        publish("plain", "lost");

        // Of eight: three delivered, one of them acked and one rejected into the dead-letter queue,
        // which makes room for two more (prefetch 3): three held, three ready.
        StreamConsumer worker = admin.consume("work", 3);
        List<Delivery> got = List.of(next(worker), next(worker), next(worker));
        worker.ack(got.get(0).getDeliveryTag(), false);
        worker.nack(got.get(1).getDeliveryTag(), false);
        // Rejected without a dead-letter exchange: discarded.
        StreamConsumer plain = admin.consume("plain", 1);
        plain.nack(next(plain).getDeliveryTag(), false);

        int workLeader = admin.leaderOf("work");
        Map<String, Double> expected = Map.ofEntries(
                Map.entry("wharf_queue_messages_ready", 3.0),
                Map.entry("wharf_queue_messages_unacked", 3.0),
                Map.entry("wharf_queue_consumers", 1.0),
                Map.entry("wharf_queue_dead_lettering", 0.0),
                Map.entry("wharf_queue_published_total", 8.0),
                Map.entry("wharf_queue_delivered_total", 5.0),
                Map.entry("wharf_queue_acked_total", 1.0),
                Map.entry("wharf_queue_redeliveries_total", 0.0),
                Map.entry("wharf_queue_dead_letters_dropped_total", 0.0));
        awaitSeries(workLeader, "work", expected);
        Exposition work = scrape(workLeader);
        DescribeQueueResponse described = admin.describe("work");
        assertTrue(described.getReadyBytes() > 0, described.toString());
        assertEquals(Optional.of((double) described.getReadyBytes()),
                work.value("wharf_queue_ready_bytes", "queue", "work"));
        assertEquals(Optional.of(0.0), work.value("wharf_queue_messages_discarded_total",
                "queue", "work", "reason", "rejected"), "dead-lettered, not discarded");

        // The dead-letter queue's figures: its depth, the rejected one by reason, and its age.
        awaitSeries(admin.leaderOf("parked"), "parked", Map.of("wharf_queue_messages_ready", 1.0,
                "wharf_queue_published_total", 1.0));
        Exposition parked = scrape(admin.leaderOf("parked"));
        assertEquals(Optional.of(1.0), parked.value("wharf_queue_dead_letters", "queue", "parked",
                "reason", "rejected"));
        assertEquals(Optional.of(0.0), parked.value("wharf_queue_dead_letters", "queue", "parked",
                "reason", "expired"));
        assertEquals(Optional.of(0.0), work.value("wharf_queue_dead_letters", "queue", "work", "reason", "rejected"),
                "work's messages were published, not dead-lettered");
        double age = parked.value("wharf_queue_oldest_message_age_seconds", "queue", "parked").orElseThrow();
        assertTrue(age > 0 && age < 60, "the dead letter was stored moments ago: " + age);
        int plainLeader = admin.leaderOf("plain");
        awaitSeries(plainLeader, "plain", Map.of("wharf_queue_messages_ready", 0.0,
                "wharf_queue_messages_unacked", 0.0, "wharf_queue_delivered_total", 1.0));
        assertEquals(Optional.of(1.0), scrape(plainLeader).value("wharf_queue_messages_discarded_total",
                "queue", "plain", "reason", "rejected"));

        // The held messages go back when their consumer leaves, and the first is delivered again.
        worker.close();
        // Subscribing before the worker's end is applied would take a never-delivered message first.
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describe("work").getUnacked() == 0);
        StreamConsumer second = admin.consume("work", 1);
        assertTrue(next(second).getRedelivered());
        awaitSeries(workLeader, "work", Map.of("wharf_queue_redeliveries_total", 1.0,
                "wharf_queue_delivered_total", 6.0, "wharf_queue_messages_unacked", 1.0,
                "wharf_queue_messages_ready", 5.0));

        for (int follower : cluster.brokers().keySet()) {
            if (follower == workLeader) {
                continue;
            }
            assertNotEquals(Optional.empty(), cluster.replica(follower, new TopicPartition(
                    cluster.brokers().get(follower).metadataImage().queue("work").orElseThrow().topic(), 0)),
                    "broker " + follower + " hosts a replica of the queue");
            Exposition scraped = scrape(follower);
            assertTrue(scraped.samples("wharf_queue_messages_ready", "queue", "work").isEmpty()
                    && scraped.samples("wharf_queue_published_total", "queue", "work").isEmpty(),
                    "broker " + follower + " follows 'work' and serves none of its series");
        }
    }

    @Test
    void aNewLeaderServesTheQueueWithItsOwnCounters() throws Exception {
        admin.declareQueue("work", Map.of());
        for (int i = 0; i < 3; i++) {
            publish("work", "job-" + i);
        }
        // A dead letter as the broker writes one, published by hand: the new leader counts it from the log.
        PublishResponse confirm = admin.publish(admin.leaderOf("work"), "test-" + publishers++, "", "work",
                List.of(Message.newBuilder().putHeaders("x-last-death-reason", "expired")
                        .setBody(ByteString.copyFromUtf8("late")).build()), false).get(1L);
        assertTrue(confirm.getAck(), confirm.toString());
        int first = admin.leaderOf("work");
        awaitSeries(first, "work", Map.of("wharf_queue_messages_ready", 4.0, "wharf_queue_published_total", 4.0));
        double firstAge = scrape(first).value("wharf_queue_oldest_message_age_seconds", "queue", "work").orElseThrow();

        cluster.stopBroker(first);
        await().atMost(Duration.ofSeconds(20)).until(() -> admin.leaderOf("work") > 0);
        int second = admin.leaderOf("work");
        // The depth is the queue's, from its log; the counters are what this broker saw while leading.
        awaitSeries(second, "work", Map.of("wharf_queue_messages_ready", 4.0, "wharf_queue_published_total", 0.0));
        Exposition after = scrape(second);
        assertEquals(Optional.of(1.0), after.value("wharf_queue_dead_letters", "queue", "work", "reason", "expired"),
                "the dead-letter counts are the queue's, rebuilt from its log");
        assertTrue(after.value("wharf_queue_oldest_message_age_seconds", "queue", "work").orElseThrow() >= firstAge,
                "the oldest message keeps its age across the failover");
        for (int follower : cluster.brokers().keySet()) {
            if (follower != second) {
                assertTrue(scrape(follower).samples("wharf_queue_messages_ready", "queue", "work").isEmpty(),
                        "broker " + follower + " follows 'work' and serves none of its series");
            }
        }
    }

    // ------------------------------------------------------------------------------------------

    /** Waits until broker {@code brokerId} serves each of {@code values} for {@code queue}. */
    private void awaitSeries(int brokerId, String queue, Map<String, Double> values) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Exposition scraped = scrape(brokerId);
            values.forEach((name, value) -> assertEquals(Optional.of(value), scraped.value(name, "queue", queue),
                    name + " of " + queue + " on broker " + brokerId));
        });
    }

    private Exposition scrape(int brokerId) throws IOException, InterruptedException {
        int port = cluster.brokers().get(brokerId).metricsPort().orElseThrow();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, response.statusCode(), response.body());
        return Exposition.parse(response.body());
    }

    /** Publishes one message to {@code queue} through the default exchange, as a new publisher; expects the confirm. */
    private void publish(String queue, String body) {
        PublishResponse confirm = admin.publish(admin.leaderOf(queue), "test-" + publishers++, "", queue,
                List.of(Message.newBuilder().setBody(ByteString.copyFromUtf8(body)).build()), false).get(1L);
        assertTrue(confirm.getAck(), confirm.toString());
    }
}
