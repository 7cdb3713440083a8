package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.cli.cluster.NodeName;
import io.wharf.client.Endpoint;
import io.wharf.client.admin.AdminException;
import io.wharf.client.queue.PublishOutcome;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueConsumerConfig;
import io.wharf.client.queue.QueueDelivery;
import io.wharf.client.queue.QueuePublisher;
import io.wharf.client.queue.QueuePublisherConfig;
import io.wharf.client.queue.QueueSubscription;
import io.wharf.client.queue.SubscribeOptions;
import io.wharf.metadata.QueueNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replicated queue under SIGKILL: a publisher with confirms and a consumer that acks run while
 * the queue's leader broker is killed and restarted, round after round (seeded), and then every
 * node of the cluster is killed and started again. Checked as RabbitMQ's Jepsen analyses do:
 * no confirmed message is lost, nothing unexpected is delivered, and no message whose ack was
 * confirmed is ever delivered again (duplicates of unacked messages are allowed and counted).
 * Rerun with {@code -Dwharf.queueKills.seed=<seed>}.
 */
class QueueKillsTest {

    private static final Logger LOG = LoggerFactory.getLogger(QueueKillsTest.class);
    private static final long SEED = Long.getLong("wharf.queueKills.seed", System.nanoTime());
    private static final int ROUNDS = Integer.getInteger("wharf.queueKills.rounds", 2);
    private static final String QUEUE = "jobs";
    private static final Duration RESUME_LIMIT = Duration.ofSeconds(30);
    private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(60);

    private ProcessCluster cluster;
    private QueuePublisher publisher;
    private QueueConsumer consumer;
    private ScheduledExecutorService sender;

    /** Everything the publisher and consumer saw, shared with their callback threads. */
    private final QueueDeliveries history = new QueueDeliveries();
    private final AtomicLong redeliveries = new AtomicLong();
    private final AtomicLong lastConfirmNanos = new AtomicLong();
    /** When each confirm arrived (System.nanoTime()), for the longest gap around a kill. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Long> confirmTimes = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @AfterEach
    void stop() {
        if (sender != null) {
            sender.shutdownNow();
        }
        if (publisher != null) {
            publisher.close(Duration.ofSeconds(5));
        }
        if (consumer != null) {
            consumer.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void noConfirmedMessageIsLostAndNoAckedOneReturnsAcrossLeaderKillsAndAFullRestart() {
        LOG.info("queue kills: seed {}, {} rounds", SEED, ROUNDS);
        Random random = new Random(SEED);
        cluster = ProcessCluster.start("queue-kills", 29900, 3, 3);
        String topic = QueueNames.topicFor(QUEUE);
        cluster.admin().declareQueue(QUEUE, Map.of());
        await().atMost(RECOVERY_LIMIT).ignoreExceptions().until(() -> cluster.fullyReplicated(topic));
        List<Endpoint> brokers = cluster.launcher().topology().brokerEndpoints();
        publisher = new QueuePublisher(QueuePublisherConfig.of(brokers).withMaxInFlight(200));
        consumer = new QueueConsumer(QueueConsumerConfig.of(brokers));
        QueueSubscription subscription = consumer.subscribe(QUEUE, SubscribeOptions.defaults().withPrefetch(50),
                this::handle);

        AtomicLong sequence = new AtomicLong();
        sender = Executors.newSingleThreadScheduledExecutor(runnable -> new Thread(runnable, "queue-kills-publisher"));
        sender.scheduleWithFixedDelay(() -> {
            for (int i = 0; i < 5; i++) {
                String body = "m-" + sequence.incrementAndGet();
                history.published(body);
                publisher.publish("", QUEUE, body.getBytes(StandardCharsets.UTF_8)).thenAccept(outcome -> {
                    if (outcome.status() == PublishOutcome.Status.ACKED) {
                        history.confirmed(body);
                        long now = System.nanoTime();
                        lastConfirmNanos.set(now);
                        confirmTimes.add(now);
                    }
                });
            }
        }, 0, 10, TimeUnit.MILLISECONDS);

        for (int round = 1; round <= ROUNDS; round++) {
            int before = history.confirmedCount();
            await("round " + round + ": confirms flowing").atMost(RESUME_LIMIT).until(() -> history.confirmedCount() > before + 200);
            int leader = cluster.partition(topic, 0).getLeader();
            NodeName victim = cluster.broker(leader);
            LOG.info("round {}: killing {}, the leader of queue {}", round, victim, QUEUE);
            long killedAt = System.nanoTime();
            cluster.launcher().kill(victim);
            await("round " + round + ": confirms after the kill").atMost(RESUME_LIMIT).pollInterval(Duration.ofMillis(10))
                    .until(() -> lastConfirmNanos.get() > killedAt);
            int after = history.confirmedCount();
            await().atMost(RESUME_LIMIT).until(() -> history.confirmedCount() > after + 200);
            LOG.info("round {}: longest gap between confirms around the kill: {} ms", round,
                    longestGapMs(killedAt - TimeUnit.SECONDS.toNanos(1), System.nanoTime()));
            if (random.nextBoolean()) {
                // A restart at once, or after more traffic without the node: both orders happen.
                int during = history.confirmedCount();
                await().atMost(RESUME_LIMIT).until(() -> history.confirmedCount() > during + 100);
            }
            cluster.launcher().start(victim);
            await("round " + round + ": " + victim + " back in the queue's ISR").atMost(RECOVERY_LIMIT)
                    .pollInterval(Duration.ofMillis(200)).ignoreException(AdminException.class)
                    .until(() -> cluster.launcher().status().healthy() && cluster.fullyReplicated(topic));
        }
        sender.shutdownNow();
        publisher.flush();
        LOG.info("queue kills: {} published, {} confirmed", sequence.get(), history.confirmedCount());

        subscription.cancel();
        // Every node at once, then all back: the queue's state comes from its log alone.
        List<NodeName> all = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            all.add(cluster.controller(id));
            all.add(cluster.broker(id));
        }
        all.forEach(cluster.launcher()::kill);
        all.forEach(cluster.launcher()::start);
        // Subscribed at once, while the nodes start: a broker that has not caught up with the
        // metadata yet answers NOT_LEADER, which the consumer retries, not a final NOT_FOUND.
        QueueSubscription drain = consumer.subscribe(QUEUE, SubscribeOptions.defaults().withPrefetch(200),
                this::handle);
        // The controllers come back with the brokers registered and unfenced as before the kill
        // (their sessions have not expired yet), so the metadata alone looks healthy at once: each
        // node's own readiness says when it has registered again and caught up.
        cluster.launcher().awaitHealthy(RECOVERY_LIMIT);
        await("the whole cluster back").atMost(RECOVERY_LIMIT).pollInterval(Duration.ofMillis(200))
                .ignoreException(AdminException.class)
                .until(() -> cluster.launcher().status().healthy() && cluster.fullyReplicated(topic));

        await("every confirmed message delivered").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(history::everyConfirmedDelivered);
        drain.cancel();

        LOG.info("queue kills (seed {}): {} confirmed, {} delivered ({} deliveries, {} redelivered)", SEED,
                history.confirmedCount(), history.deliveredCount(), history.deliveries(), redeliveries.get());
        assertEquals(List.of(), history.anomalies(), "seed " + SEED);
        assertTrue(history.confirmedCount() > ROUNDS * 300, "the publisher made progress: " + history.confirmedCount());
    }

    /** The longest time between two consecutive confirms in [from, to] (System.nanoTime()). */
    private long longestGapMs(long from, long to) {
        List<Long> times = confirmTimes.stream().filter(t -> t >= from && t <= to).sorted().toList();
        long longest = 0;
        for (int i = 1; i < times.size(); i++) {
            longest = Math.max(longest, times.get(i) - times.get(i - 1));
        }
        return TimeUnit.NANOSECONDS.toMillis(longest);
    }

    private void handle(QueueDelivery delivery) {
        String body = new String(delivery.body(), StandardCharsets.UTF_8);
        if (delivery.redelivered()) {
            redeliveries.incrementAndGet();
        }
        history.delivered(body);
        delivery.ackSync().thenRun(() -> history.ackConfirmed(body));
    }
}
