package io.wharf.broker.partition;

import io.wharf.broker.TopicPartition;
import io.wharf.replication.log.CleanResult;
import io.wharf.replication.log.CleanableSection;
import io.wharf.replication.log.CleanerOptions;
import io.wharf.replication.log.IoThrottle;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogCompaction;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts the logs of the hosted replicas whose topic's {@code cleanup.policy} includes
 * {@code compact}: Kafka's log cleaner thread, deciding which log and when; how is
 * {@link LogCompaction#clean}'s. Each round measures every such log ({@link LogCompaction#cleanableSection}) and
 * cleans the one with the highest dirty ratio among those worth it: dirty enough for their
 * {@code min.cleanable.dirty.ratio}, or due by {@code max.compaction.lag.ms}. Both stop at the
 * replica's high watermark, so nothing that a new leader could truncate is compacted; leaders and
 * followers clean their own logs, as in Kafka.
 * After a cleaning that compacted a log further the next round starts at once, otherwise after
 * {@code log.cleaner.backoff.ms}. A failure on one partition is logged and the round goes on
 * with the next; that partition is left alone until after the next pause, so a broken log neither
 * spins the thread nor floods the broker's log.
 *
 * <p>Threading: owns one daemon thread, {@code broker-N-log-cleaner}, started by {@link #start()}
 * and stopped by {@link #close()}. The thread is never interrupted: an interrupt closes the file
 * channel a cleaning is writing. Instead {@code close()} makes the throttle, which a cleaning
 * calls after every chunk it reads or writes, throw {@link InterruptedException} (waking it if it
 * is pacing the I/O), so the cleaning stops at its next chunk with its log whole; {@link LogCompaction#clean}
 * swaps segments in only when they are complete. {@link #runOnce()} may be called by tests while
 * the thread is not started: every field but the stop signal is confined to the one thread running rounds.
 */
final class CleanerThread implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CleanerThread.class);

    /**
     * A compacted log as a round found it.
     *
     * @param minDirtyRatio its topic's {@code min.cleanable.dirty.ratio}
     */
    record Measured(TopicPartition partition, CleanableSection section, double minDirtyRatio) {
    }

    private final int brokerId;
    private final Supplier<? extends Collection<Partition>> hosted;
    private final CleaningListener listener;
    private final LongSupplier nanoTime;
    private final CleanerOptions options;
    private final IoThrottle limit;
    private final long backoffNanos;
    private final Thread thread;
    private final CountDownLatch stopping = new CountDownLatch(1);
    /** Partitions that failed since the last pause; confined to the thread running rounds. */
    private final Set<TopicPartition> failedSincePause = new HashSet<>();

    /**
     * @param hosted   the replicas hosted now (asked at each round)
     * @param listener told of every round and cleaning (metrics)
     * @param nanoTime a monotonic clock in nanoseconds, for the I/O limit and cleaning times
     */
    CleanerThread(int brokerId, Supplier<? extends Collection<Partition>> hosted, CleanerSettings settings,
               CleaningListener listener, LongSupplier nanoTime) {
        this.brokerId = brokerId;
        this.hosted = hosted;
        this.listener = listener;
        this.nanoTime = nanoTime;
        this.limit = settings.ioMaxBytesPerSecond().isPresent()
                ? new RateThrottle(settings.ioMaxBytesPerSecond().getAsLong(), nanoTime, this::pause)
                : IoThrottle.UNLIMITED;
        this.options = new CleanerOptions(settings.dedupeBufferBytes(), this::onBytes);
        this.backoffNanos = settings.backoff().toNanos();
        this.thread = new Thread(this::cleanUntilClosed, "broker-" + brokerId + "-log-cleaner");
        thread.setDaemon(true);
    }

    /** Starts the cleaner thread; its first round runs at once. */
    void start() {
        thread.start();
    }

    /**
     * The order in which a round tries the measured logs: those worth cleaning, the dirtiest
     * first (ties by topic and partition, so that the order is stable). Pure.
     */
    static List<Measured> cleaningOrder(Collection<Measured> measured) {
        return measured.stream()
                .filter(m -> m.section().worthCleaning(m.minDirtyRatio()))
                .sorted(Comparator.comparingDouble((Measured m) -> m.section().dirtyRatio()).reversed()
                        .thenComparing(m -> m.partition().topic())
                        .thenComparingInt(m -> m.partition().partition()))
                .toList();
    }

    /**
     * One round: measures every hosted compacted log and cleans the dirtiest worth cleaning (the
     * next one if that fails or finds nothing to do after all).
     *
     * @return the partition whose log this round compacted further; empty when none was worth
     *     cleaning or none could be cleaned
     * @throws InterruptedException when the cleaner was closed during the cleaning (which stopped
     *     with the log whole)
     */
    Optional<TopicPartition> runOnce() throws InterruptedException {
        Map<TopicPartition, Partition> compacted = new HashMap<>();
        List<Measured> measured = new ArrayList<>();
        double maxDirtyRatio = 0;
        for (Partition partition : hosted.get()) {
            Log partitionLog = partition.log();
            if (!partitionLog.config().cleanupPolicy().compacts()
                    || failedSincePause.contains(partition.topicPartition())) {
                continue;
            }
            try {
                CleanableSection section = partitionLog.compaction().cleanableSection(partition.highWatermark());
                maxDirtyRatio = Math.max(maxDirtyRatio, section.dirtyRatio());
                compacted.put(partition.topicPartition(), partition);
                measured.add(new Measured(partition.topicPartition(), section,
                        partitionLog.config().minCleanableDirtyRatio()));
            } catch (RuntimeException e) {
                failed(partition, "measure", e);
            }
        }
        listener.measured(maxDirtyRatio);
        for (Measured candidate : cleaningOrder(measured)) {
            Partition partition = compacted.get(candidate.partition());
            try {
                if (clean(partition, candidate.section())) {
                    return Optional.of(candidate.partition());
                }
            } catch (RuntimeException e) {
                failed(partition, "clean", e);
            }
        }
        return Optional.empty();
    }

    /** Cleans one log up to its high watermark now; true when that compacted it further. */
    private boolean clean(Partition partition, CleanableSection measured) throws InterruptedException {
        long started = nanoTime.getAsLong();
        CleanResult result = partition.log().compaction().clean(partition.highWatermark(), options);
        long nanos = nanoTime.getAsLong() - started;
        if (result.firstDirtyOffsetAfter() <= result.firstDirtyOffsetBefore()) {
            log.debug("Broker {} found nothing to clean in {} after all (measured {})", brokerId,
                    partition.topicPartition(), measured);
            return false;
        }
        listener.cleaned(partition.topicPartition(), result, nanos);
        log.info("Broker {} cleaned {} in {} ms: offsets {} to {} (dirty ratio {}), {} segment(s) of {} bytes "
                        + "rewritten as {} of {} bytes, {} record(s) removed, {} bytes read",
                brokerId, partition.topicPartition(), TimeUnit.NANOSECONDS.toMillis(nanos),
                result.firstDirtyOffsetBefore(), result.firstDirtyOffsetAfter(),
                String.format("%.3f", measured.dirtyRatio()), result.segmentsBefore(), result.bytesBefore(),
                result.segmentsAfter(), result.bytesAfter(), result.recordsRemoved(), result.bytesRead());
        return true;
    }

    private void failed(Partition partition, String what, RuntimeException e) {
        failedSincePause.add(partition.topicPartition());
        if (hosted.get().contains(partition)) {
            log.error("Broker {} could not {} the log of {} in {} for cleaning; the other partitions go on and it "
                    + "is tried again in {} ms", brokerId, what, partition.topicPartition(),
                    partition.log().directory(), TimeUnit.NANOSECONDS.toMillis(backoffNanos), e);
        } else {
            log.debug("Broker {}: {} was closed while its log was being cleaned: {}", brokerId,
                    partition.topicPartition(), e.toString());
        }
    }

    /** The thread's loop: rounds back to back while they compact something, else a pause between them. */
    private void cleanUntilClosed() {
        try {
            while (stopping.getCount() > 0) {
                if (runQuietly().isEmpty()) {
                    pause(backoffNanos);
                    failedSincePause.clear();
                }
            }
        } catch (InterruptedException e) {
            if (stopping.getCount() > 0) {
                // Nothing of the broker interrupts this thread; whoever did wants it gone.
                log.warn("Broker {} log cleaner thread was interrupted and stops; compacted logs are no longer "
                        + "cleaned until the broker restarts", brokerId, e);
            } else {
                log.debug("Broker {} log cleaner stopped: {}", brokerId, e.getMessage());
            }
        }
    }

    /** A round whose unexpected failure (a bug) is logged: the thread must go on. */
    private Optional<TopicPartition> runQuietly() throws InterruptedException {
        try {
            return runOnce();
        } catch (RuntimeException e) {
            log.error("Broker {}: a log cleaner round failed; the next runs in {} ms", brokerId,
                    TimeUnit.NANOSECONDS.toMillis(backoffNanos), e);
            return Optional.empty();
        }
    }

    /** The throttle a cleaning calls after each chunk: refuses to go on once closed, else paces to the limit. */
    private void onBytes(long bytes) throws InterruptedException {
        if (stopping.getCount() == 0) {
            throw new InterruptedException("broker " + brokerId + "'s log cleaner is closing");
        }
        limit.onBytes(bytes);
    }

    /** Waits {@code nanos}, or throws as soon as the cleaner is closed. */
    private void pause(long nanos) throws InterruptedException {
        if (stopping.await(nanos, TimeUnit.NANOSECONDS)) {
            throw new InterruptedException("broker " + brokerId + "'s log cleaner is closing");
        }
    }

    /**
     * Stops the thread: a pause ends at once, a cleaning at its next chunk. Waits (up to 10 s) for
     * it to end.
     */
    @Override
    public void close() {
        stopping.countDown();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
            if (thread.isAlive()) {
                log.warn("Broker {} log cleaner thread did not stop within 10 s", brokerId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
