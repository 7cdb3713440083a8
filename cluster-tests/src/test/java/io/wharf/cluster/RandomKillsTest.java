package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.cli.cluster.NodeName;
import io.wharf.client.admin.AdminException;
import io.wharf.client.admin.NewTopic;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.record.Header;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several rounds of SIGKILL during one continuous acks=all produce (RF 3, min.insync.replicas 2):
 * each round picks a victim at random — the leader broker of a partition, a follower broker, the
 * active controller or any broker; each kind once in the first four rounds — kills it, waits until every partition acknowledges writes
 * sent after the kill, restarts it and waits until the cluster serves and every replica is back
 * in the ISR. At the end every acknowledged record is read back at its offset, in send order per
 * partition ({@link AcknowledgedRecords}), and the replicas are identical on disk below the high
 * watermark ({@link ReplicaLogs}). The time writes took to resume is logged per round.
 *
 * <p>The seed is logged; rerun a failure with {@code -Dwharf.randomKills.seed=<seed>} (and
 * {@code -Dwharf.randomKills.rounds=<n>} for more rounds).
 */
class RandomKillsTest {

    private static final Logger LOG = LoggerFactory.getLogger(RandomKillsTest.class);
    private static final long SEED = Long.getLong("wharf.randomKills.seed", System.nanoTime());
    private static final int ROUNDS = Integer.getInteger("wharf.randomKills.rounds", 5);
    private static final int PORT_BASE = 29000;
    private static final int PARTITIONS = 3;
    /** Records sent per tick of the producer; with the tick below, about 500 records/s. */
    private static final int RECORDS_PER_TICK = 5;
    private static final Duration TICK = Duration.ofMillis(10);
    /** Distinct keys, so that every partition gets a steady share of the records. */
    private static final int KEYS = 32;
    /** Generous bound for writes to resume; the log shows the real figures (a few seconds). */
    private static final Duration RESUME_LIMIT = Duration.ofSeconds(20);
    private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(60);

    /** Whom a round kills. */
    private enum VictimKind { PARTITION_LEADER, FOLLOWER, ACTIVE_CONTROLLER, ANY_BROKER }

    private record Victim(VictimKind kind, NodeName node, String role) {
    }

    private record Round(int number, Victim victim, Duration resumedAfter, Duration recoveredAfter) {
        @Override
        public String toString() {
            return String.format("round %d: SIGKILL %s (%s): writes resumed after %.1f s, healthy and in sync again "
                    + "%.1f s after the restart", number, victim.node(), victim.role(), resumedAfter.toMillis() / 1000.0,
                    recoveredAfter.toMillis() / 1000.0);
        }
    }

    private ProcessCluster cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void acknowledgedWritesSurviveRandomKills() {
        LOG.info("random kills: seed {}, {} rounds (rerun with -Dwharf.randomKills.seed={})", SEED, ROUNDS, SEED);
        Random random = new Random(SEED);
        cluster = ProcessCluster.start("random-kills", PORT_BASE, 3, 3);
        String topic = "random-kills";
        assertTrue(cluster.admin().createTopics(List.of(new NewTopic(topic, PARTITIONS, 3,
                Map.of("min.insync.replicas", "2")))).get(0).succeeded());
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.fullyReplicated(topic));

        AcknowledgedRecords records = new AcknowledgedRecords(topic);
        List<Round> rounds = new ArrayList<>();
        // Every kind of victim at least once (in a seeded order) when there are enough rounds, then any.
        List<VictimKind> kinds = new ArrayList<>(List.of(VictimKind.values()));
        Collections.shuffle(kinds, random);
        try (ContinuousProducer producer = new ContinuousProducer(records)) {
            awaitWritesSince(producer, System.nanoTime());
            for (int number = 1; number <= ROUNDS; number++) {
                VictimKind kind = number <= kinds.size() ? kinds.get(number - 1)
                        : VictimKind.values()[random.nextInt(VictimKind.values().length)];
                rounds.add(killAndRestart(number, pickVictim(kind, random, topic), producer, topic));
            }
        }
        rounds.forEach(round -> LOG.info("{}", round));
        LOG.info("random kills (seed {}): {} acknowledged, {} sends failed", SEED, records.acknowledgedCount(),
                records.failedCount());

        AcknowledgedRecords.ReadBack readBack = records.assertReadBack(cluster.launcher().topology().brokerEndpoints());
        cluster.assertReplicasIdentical(topic, readBack.highWatermarks(), RECOVERY_LIMIT);
        LOG.info("random kills (seed {}): replicas identical below {}", SEED, readBack.highWatermarks());
    }

    private Round killAndRestart(int number, Victim victim, ContinuousProducer producer, String topic) {
        LOG.info("round {}: killing {} ({})", number, victim.node(), victim.role());
        long killedAt = System.nanoTime();
        cluster.launcher().kill(victim.node());
        Duration resumed = awaitWritesSince(producer, killedAt);
        LOG.info("round {}: writes resumed {} ms after the kill of {}", number, resumed.toMillis(), victim.node());

        long restartedAt = System.nanoTime();
        cluster.launcher().start(victim.node());
        await("round " + number + ": " + victim.node() + " back, the cluster serving, every replica in the ISR")
                .atMost(RECOVERY_LIMIT).pollInterval(Duration.ofMillis(200)).ignoreException(AdminException.class)
                .until(() -> cluster.launcher().status().healthy() && cluster.fullyReplicated(topic));
        Duration recovered = Duration.ofNanos(System.nanoTime() - restartedAt);
        // The restarted node must not have stalled the writes either.
        awaitWritesSince(producer, System.nanoTime());
        return new Round(number, victim, resumed, recovered);
    }

    /** Waits until every partition acknowledged a record sent after {@code sinceNanos}; returns how long that took. */
    private static Duration awaitWritesSince(ContinuousProducer producer, long sinceNanos) {
        await("writes to every partition acknowledged again").atMost(RESUME_LIMIT).pollInterval(Duration.ofMillis(20))
                .until(() -> producer.everyPartitionAcknowledgedSentAfter(sinceNanos));
        return Duration.ofNanos(System.nanoTime() - sinceNanos);
    }

    private Victim pickVictim(VictimKind kind, Random random, String topic) {
        int partition = random.nextInt(PARTITIONS);
        PartitionInfo info = cluster.partition(topic, partition);
        return switch (kind) {
            case PARTITION_LEADER -> new Victim(kind, cluster.broker(info.getLeader()),
                    "leader of " + topic + "-" + partition);
            case FOLLOWER -> {
                List<Integer> followers = info.getIsrList().stream().filter(id -> id != info.getLeader()).toList();
                int follower = followers.get(random.nextInt(followers.size()));
                yield new Victim(kind, cluster.broker(follower), "follower of " + topic + "-" + partition);
            }
            case ACTIVE_CONTROLLER -> new Victim(kind, cluster.controller(cluster.leader().orElseThrow().getId()),
                    "active controller");
            case ANY_BROKER -> new Victim(kind, cluster.broker(1 + random.nextInt(3)), "a broker");
        };
    }

    /**
     * Sends {@link #RECORDS_PER_TICK} records every {@link #TICK} (keyed over {@link #KEYS} keys,
     * with a header) on a producer thread this class owns, recording every outcome in
     * {@link AcknowledgedRecords} and, per partition, when the newest acknowledged record was sent.
     * {@link #close()} stops the sends, then flushes and closes the producer.
     */
    private final class ContinuousProducer implements AutoCloseable {
        private static final long NONE = Long.MIN_VALUE;
        private final AcknowledgedRecords records;
        private final Producer producer;
        /** Per partition, System.nanoTime() at the send of its newest acknowledged record; NONE before the first. */
        private final AtomicLongArray newestAckedSendNanos = new AtomicLongArray(PARTITIONS);
        private final ScheduledExecutorService sender;
        private long nextSequence;  // sender thread only

        ContinuousProducer(AcknowledgedRecords records) {
            this.records = records;
            for (int p = 0; p < PARTITIONS; p++) {
                newestAckedSendNanos.set(p, NONE);
            }
            this.producer = new Producer(ProducerConfig.builder(cluster.launcher().topology().brokerEndpoints())
                    .acks(-1).linger(Duration.ofMillis(5)).deliveryTimeout(Duration.ofSeconds(90)).build());
            this.sender = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "random-kills-producer");
                thread.setDaemon(true);
                return thread;
            });
            sender.scheduleAtFixedRate(this::sendTick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void sendTick() {
            for (int i = 0; i < RECORDS_PER_TICK; i++) {
                long sequence = nextSequence++;
                long sentAt = System.nanoTime();
                byte[] key = ("key-" + sequence % KEYS).getBytes(StandardCharsets.UTF_8);
                List<Header> headers = List.of(new Header("sequence",
                        Long.toString(sequence).getBytes(StandardCharsets.UTF_8)));
                try {
                    producer.send(new ProducerRecord(records.topic(), null, null, key, records.value(sequence), headers))
                            .whenComplete((metadata, failure) -> {
                                records.completed(sequence, metadata, failure);
                                if (failure == null) {
                                    newestAckedSendNanos.accumulateAndGet(metadata.partition(), sentAt,
                                            (a, b) -> a == NONE || b - a > 0 ? b : a);
                                }
                            });
                } catch (RuntimeException e) {
                    // A send refused outright (e.g. buffer full for max.block) is a failed send,
                    // and must not end the scheduled task.
                    records.completed(sequence, null, e);
                }
            }
        }

        boolean everyPartitionAcknowledgedSentAfter(long sinceNanos) {
            for (int p = 0; p < PARTITIONS; p++) {
                long newest = newestAckedSendNanos.get(p);
                if (newest == NONE || newest - sinceNanos <= 0) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() {
            sender.shutdown();
            try {
                assertTrue(sender.awaitTermination(30, TimeUnit.SECONDS),
                        "the producer thread did not stop");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            producer.flush();
            producer.close();
        }
    }
}
