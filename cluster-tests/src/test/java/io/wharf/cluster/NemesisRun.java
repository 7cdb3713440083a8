package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.Endpoint;
import io.wharf.client.admin.AdminException;
import io.wharf.metadata.QueueNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link FaultSchedule} against a cluster under a continuous acks=all producer, a consumer
 * group reading and committing the same topic ({@link GroupWorkload}) and (unless left out) a
 * queue workload, with a {@link ClusterObserver} polling every node, then checks the history:
 * every acknowledged record read back at its offset, once ({@link AcknowledgedRecords}); the
 * replicas identical below the high watermark ({@link ReplicaLogs}); at most one controller
 * leader per term; no broker's metadata going backwards; no confirmed queue message lost, no acked
 * one redelivered, nothing unexpected ({@link QueueDeliveries}); no committed group offset
 * regressing or read back below an acknowledged commit, no partition owned by two members in one
 * epoch, no commit acknowledged from a member whose partition another member held at a later
 * epoch ({@link GroupHistory}); no broker fenced while no fault hit it ({@link EarlyFences}); no
 * write acknowledged by a fenced, replaced leader ({@link FencedLeaderAcks}). The workloads run
 * concurrently with the faults; after the last one the queue is drained and the group's members
 * stopped (and its committed offsets read once more) before the history is checked. Each fault is
 * injected, held for its planned time (the one timed wait here: a fault's duration is the
 * experiment, not a condition), healed, and followed by a wait until the cluster serves again with
 * every replica in sync and writes flowing.
 *
 * <p>A failure is rethrown with the seed, the plan and the faults as injected, so it replays.
 */
final class NemesisRun {

    private static final Logger LOG = LoggerFactory.getLogger(NemesisRun.class);
    /** Generous bounds; the log shows the real figures (a few seconds). */
    private static final Duration RESUME_LIMIT = Duration.ofSeconds(30);
    private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(60);
    /** The consumer group of the run's {@link GroupWorkload} is named after the topic with this suffix. */
    private static final String GROUP_SUFFIX = "-readers";

    /** What a clean run did. */
    record Report(Map<String, Integer> faultsByKind, int acknowledged, int failedSends, long recordsRead,
                  int controllerTerms, long metadataReports, int queueConfirmed, long queueDeliveries,
                  long groupCommits, int groupReads, long groupPartitionMoves, int brokerFences, int leaderEpochs) {
    }

    private final ProcessCluster cluster;
    private final String topic;
    private final int partitions;
    private final Optional<String> queue;
    private final Map<String, Nemesis> nemeses;
    private final FaultLog faultLog = new FaultLog();
    private long startNanos;

    /**
     * @param queue a declared queue for the queue workload; none for a run without it
     */
    NemesisRun(ProcessCluster cluster, String topic, int partitions, Optional<String> queue, List<Nemesis> nemeses) {
        this.cluster = cluster;
        this.queue = queue;
        this.topic = topic;
        this.partitions = partitions;
        this.nemeses = nemeses.stream().collect(Collectors.toMap(Nemesis::kind, Function.identity()));
    }

    /** Runs {@code schedule} and checks the history; throws, with everything needed to replay, on any anomaly. */
    Report run(FaultSchedule schedule) {
        LOG.info("nemesis run on {}: {}", topic, schedule);
        try {
            return runAndCheck(schedule);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("nemesis run failed; replay with -Dnemesis.seed=" + schedule.seed()
                    + " -Dnemesis.faults=" + schedule.faults().size() + "\n" + schedule + "\n" + faultLog + "\n"
                    + e.getMessage(), e);
        }
    }

    private Report runAndCheck(FaultSchedule schedule) {
        startNanos = System.nanoTime();
        AcknowledgedRecords records = new AcknowledgedRecords(topic);
        List<Endpoint> brokers = cluster.launcher().topology().brokerEndpoints();
        Optional<QueueDeliveries> queueHistory;
        GroupHistory groupHistory;
        try (ClusterObserver observer = new ClusterObserver(cluster.launcher(), topic, startNanos)) {
            // A null resource is allowed (and not closed): a run without the queue workload.
            try (QueueWorkload queueWork = queue.map(name -> new QueueWorkload(name, brokers)).orElse(null);
                 GroupWorkload groupWork = new GroupWorkload(topic + GROUP_SUFFIX, topic, brokers, startNanos)) {
                try (ContinuousProducer producer = new ContinuousProducer(records, partitions, brokers)) {
                    awaitWritesSince(producer, System.nanoTime());
                    for (FaultSchedule.PlannedFault planned : schedule.faults()) {
                        inject(planned, producer);
                    }
                }
                queueHistory = Optional.ofNullable(queueWork).map(QueueWorkload::drain);
                groupHistory = groupWork.stop();
            }
            LOG.info("{}\n{} acknowledged, {} sends failed; queue: {}; group: {}", faultLog,
                    records.acknowledgedCount(), records.failedCount(), queueHistory.map(h -> h.confirmedCount()
                            + " confirmed, " + h.deliveredCount() + " delivered (" + h.deliveries() + " deliveries)")
                            .orElse("none"), groupHistory.summary());
            AcknowledgedRecords.ReadBack readBack = records.assertReadBack(brokers);
            Map<Integer, ReplicaLogs.Replica> replicas = cluster.assertReplicasIdentical(topic,
                    readBack.highWatermarks(), RECOVERY_LIMIT);
            queueHistory.ifPresent(history -> {
                assertEquals(List.of(), history.anomalies(), "queue " + queue.get());
                assertTrue(history.confirmedCount() > 0, "the queue publisher made progress");
            });
            assertEquals(List.of(), groupHistory.anomalies(), "group " + topic + GROUP_SUFFIX);
            assertTrue(groupHistory.acknowledgedCommits() > 0 && groupHistory.reads() > 0, "the group members "
                    + "committed and the committed offsets were read (else the group checks prove nothing)");
            assertEquals(List.of(), observer.termLeaders().violations(), "at most one controller leader per term");
            assertEquals(List.of(), observer.metadataOffsets().violations(), "broker metadata never goes backwards");
            List<EarlyFences.Fence> fences = observer.fences().fences();
            LOG.info("brokers fenced: {}", fences);
            // Both judged before either fails: an early fence and a zombie ack often come from one event.
            List<String> earlyFences = observer.fences().violations(faultLog.entries());
            List<String> fencedLeaderAcks = observer.leaderEpochs().violations(records.acks(startNanos),
                    storedRecords(replicas), fences);
            assertAll(() -> assertEquals(List.of(), earlyFences,
                            "no broker fenced unless a fault hit it within a session timeout"),
                    () -> assertEquals(List.of(), fencedLeaderAcks, "no write acknowledged by a fenced, replaced leader"));
            assertTrue(observer.termLeaders().termsWithALeader() > 0 && observer.metadataOffsets().reports() > 0
                            && observer.leaderEpochs().epochsSeen() > 0, "the observer saw controller leaders, broker "
                            + "metadata offsets and partition leaders (else its checks prove nothing)");
            return new Report(faultLog.countsByKind(), records.acknowledgedCount(), records.failedCount(),
                    readBack.recordsRead(), observer.termLeaders().termsWithALeader(),
                    observer.metadataOffsets().reports(), queueHistory.map(QueueDeliveries::confirmedCount).orElse(0),
                    queueHistory.map(QueueDeliveries::deliveries).orElse(0L), groupHistory.acknowledgedCommits(),
                    groupHistory.reads(), groupHistory.ownershipChanges(), fences.size(),
                    observer.leaderEpochs().epochsSeen());
        }
    }

    /** The final log as {@link FencedLeaderAcks} reads it: partition, then offset, to epoch and value. */
    private static Map<Integer, Map<Long, FencedLeaderAcks.Stored>> storedRecords(
            Map<Integer, ReplicaLogs.Replica> replicas) {
        HexFormat hex = HexFormat.of();
        Map<Integer, Map<Long, FencedLeaderAcks.Stored>> log = new HashMap<>();
        replicas.forEach((partition, replica) -> {
            Map<Long, FencedLeaderAcks.Stored> records = log.computeIfAbsent(partition, p -> new HashMap<>());
            for (ReplicaLogs.StoredBatch batch : replica.batches()) {
                for (ReplicaLogs.StoredRecord record : batch.records()) {
                    String value = record.value() == null ? ""
                            : new String(hex.parseHex(record.value()), StandardCharsets.UTF_8);
                    records.put(record.offset(), new FencedLeaderAcks.Stored(batch.leaderEpoch(), value));
                }
            }
        });
        return log;
    }

    private void inject(FaultSchedule.PlannedFault planned, ContinuousProducer producer) {
        Nemesis nemesis = nemeses.get(planned.kind());
        long injectedAt = System.nanoTime();
        Nemesis.Fault fault = nemesis.inject(new Random(planned.targetSeed()));
        LOG.info("fault #{} at {} ms: {}", planned.number(), elapsedMillis(injectedAt), fault.description());
        long healedAt;
        try {
            holdUntil(injectedAt + planned.hold().toNanos());
        } finally {
            // Healed even when the hold is interrupted: a paused process or a cut link must not outlive the run.
            healedAt = System.nanoTime();
            fault.heal();
        }
        long recoveredAt = -1;
        try {
            awaitRecovery(planned.number());
            awaitWritesSince(producer, System.nanoTime());
            recoveredAt = System.nanoTime();
        } finally {
            faultLog.add(new FaultLog.Entry(planned.number(), planned.kind(), fault.description(), fault.nodes(),
                    elapsedMillis(injectedAt), elapsedMillis(healedAt),
                    recoveredAt < 0 ? -1 : elapsedMillis(recoveredAt)));
        }
        holdUntil(recoveredAt + planned.quietAfter().toNanos());
    }

    /**
     * Waits until the cluster serves with every replica of the workload's topics in the ISR; on a
     * timeout, fails naming what is still wrong: the cluster's problems and the partitions' ISRs.
     */
    private void awaitRecovery(int faultNumber) {
        List<String> topics = queue.map(name -> List.of(topic, QueueNames.topicFor(name))).orElse(List.of(topic));
        try {
            await("fault #" + faultNumber + " healed: the cluster serving, every replica in the ISR")
                    .atMost(RECOVERY_LIMIT).pollInterval(Duration.ofMillis(200)).ignoreException(AdminException.class)
                    .until(() -> cluster.launcher().status().healthy()
                            && topics.stream().allMatch(cluster::fullyReplicated));
        } catch (ConditionTimeoutException e) {
            String partitions;
            try {
                partitions = cluster.admin().describeTopics(topics).topics().stream()
                        .flatMap(t -> t.getPartitionsList().stream().map(p -> t.getName() + "-" + p.getPartition()
                                + " leader " + p.getLeader() + " ISR " + p.getIsrList() + " of " + p.getReplicasList()))
                        .collect(Collectors.joining("; "));
            } catch (AdminException unavailable) {
                partitions = "(the controllers do not answer: " + unavailable.getMessage() + ")";
            }
            throw new AssertionError(e.getMessage() + "\n  cluster problems: "
                    + cluster.launcher().status().problems() + "\n  partitions: " + partitions, e);
        }
    }

    private static void awaitWritesSince(ContinuousProducer producer, long sinceNanos) {
        await("writes to every partition acknowledged again").atMost(RESUME_LIMIT).pollInterval(Duration.ofMillis(20))
                .until(() -> producer.everyPartitionAcknowledgedSentAfter(sinceNanos));
    }

    /** Waits until {@code deadlineNanos} (System.nanoTime()): the planned length of a fault or of a quiet spell. */
    private static void holdUntil(long deadlineNanos) {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(remaining);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a fault was held", e);
        }
    }

    private long elapsedMillis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos - startNanos);
    }
}
