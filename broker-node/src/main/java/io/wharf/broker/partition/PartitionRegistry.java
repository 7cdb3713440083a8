package io.wharf.broker.partition;

import io.wharf.broker.MetadataListener;
import io.wharf.broker.ServiceThreads;
import io.wharf.broker.TopicPartition;
import io.wharf.metadata.MetadataImage;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.LogFileChannels;
import io.wharf.replication.log.LogOfflineException;
import io.wharf.replication.log.RetentionPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas this broker hosts, kept in step with the metadata by an {@link AssignmentApplier}
 * over the broker's {@link LogDirectory}; lookups read a concurrent map from any thread.
 *
 * <p>Thread-safe. Its threads: metadata changes arrive on the metadata follower's thread and are
 * applied in order on this registry's own single <em>partitions</em> thread (opening and deleting
 * logs is I/O, which listeners must not do), which also retries topics that failed to apply,
 * after {@value #FIRST_RETRY_MS} ms doubling to {@value #MAX_RETRY_MS} ms; an <em>ack timer</em>
 * thread runs the acks=all deadline of each led partition; the {@link LogDirectory} owns an fsync
 * thread, a roll flusher and a checkpoint thread, the {@link RetentionEnforcer} one retention thread
 * and the {@link CleanerThread} one cleaner thread (unless {@code log.cleaner.enable} is false).
 */
public final class PartitionRegistry implements MetadataListener, AutoCloseable {

    /** Told, on the partitions thread, after each metadata change was applied. */
    @FunctionalInterface
    public interface ChangeListener {
        void partitionsChanged(MetadataImage image);
    }

    /**
     * The broker settings the registry runs with.
     *
     * @param checkpointInterval     how often the high watermarks are checkpointed
     * @param defaultRetention       the broker's log.retention.ms / log.retention.bytes, for
     *                               topics that do not set their own
     * @param retentionCheckInterval how often retention (and producer-id expiry) runs over the hosted replicas
     * @param producerIdExpiration   producer.id.expiration.ms: how long after its last batch's
     *                               timestamp a replica forgets an idempotent producer
     * @param cleaner                the log cleaner's settings (log.cleaner.*)
     * @param resumeFreeBytes        log.dir.resume.free.bytes: usable bytes after which a full
     *                               log directory serves again
     */
    public record Settings(int brokerId, Path dataDir, FlushMode flushMode, long lagTimeMaxMs,
                           Duration checkpointInterval, RetentionPolicy defaultRetention,
                           Duration retentionCheckInterval, Duration producerIdExpiration,
                           CleanerSettings cleaner, long resumeFreeBytes) {
    }

    static final long FIRST_RETRY_MS = 100;
    static final long MAX_RETRY_MS = 5_000;

    private static final Logger log = LoggerFactory.getLogger(PartitionRegistry.class);

    private final int brokerId;
    private final ScheduledExecutorService applierThread;
    private final ScheduledExecutorService ackTimer;
    private final LogDirectory directory;
    private final AssignmentApplier applier;
    private final RetentionEnforcer retention;
    private final CleanerThread cleaner;
    private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage applied = MetadataImage.empty();
    private volatile MetadataImage latest = MetadataImage.empty();
    private final AtomicReference<LogOfflineException> offline = new AtomicReference<>();
    private final List<Consumer<LogOfflineException>> offlineListeners = new CopyOnWriteArrayList<>();
    private ScheduledFuture<?> retry;           // guarded by the partitions thread
    private long retryDelayMs = FIRST_RETRY_MS; // guarded by the partitions thread

    /**
     * Opens the broker's log directory (see {@link LogDirectory}) and starts the registry's threads.
     *
     * @param clock      time of the logs (segment.ms, retention.ms) and of acks deadlines
     * @param fsyncNanos told how long each fsync of a replica's appended records took
     * @param channels   opens segment files ({@link LogFileChannels#DEFAULT}, or a fault-injecting one)
     * @param cleanings  told what the log cleaner does (the broker's metrics)
     */
    public PartitionRegistry(Settings settings, Clock clock, LongConsumer fsyncNanos, LogFileChannels channels,
                             CleaningListener cleanings) {
        int brokerId = settings.brokerId();
        this.brokerId = brokerId;
        this.applierThread = Executors.newSingleThreadScheduledExecutor(
                ServiceThreads.daemon("broker-" + brokerId + "-partitions"));
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                ServiceThreads.daemon("broker-" + brokerId + "-ack-timer"));
        timer.setRemoveOnCancelPolicy(true);  // a cancelled deadline leaves the queue at once
        this.ackTimer = timer;
        this.directory = new LogDirectory(brokerId, settings.dataDir(), clock, settings.checkpointInterval(),
                partitions::values, fsyncNanos, channels, this::onStorageFault, settings.resumeFreeBytes());
        this.applier = new AssignmentApplier(settings.flushMode(),
                new ReplicaContext(brokerId, clock, settings.lagTimeMaxMs(), ackTimer, directory.flusher()), directory,
                partitions);
        this.retention = new RetentionEnforcer(brokerId, partitions::values, () -> applied,
                settings.defaultRetention(), settings.retentionCheckInterval(), settings.producerIdExpiration());
        this.cleaner = new CleanerThread(brokerId, partitions::values, settings.cleaner(), cleanings, System::nanoTime);
        retention.start();
        if (settings.cleaner().enabled()) {
            cleaner.start();
        } else {
            log.info("Broker {} runs no log cleaner (log.cleaner.enable=false): compacted topics keep every record",
                    brokerId);
        }
    }

    public void addListener(ChangeListener listener) {
        listeners.add(listener);
    }

    /**
     * Tells {@code listener}, once and on the partitions thread, that the log directory went
     * offline (after its replicas were closed): the broker must tell the controller and stop.
     */
    public void onDirectoryOffline(Consumer<LogOfflineException> listener) {
        offlineListeners.add(listener);
    }

    /** Whether the log directory is full: the broker then asks to be fenced (decision disk-full-fences-the-broker.md). */
    public DirectorySpace space() {
        return directory.space();
    }

    /** The storage fault that took the log directory offline, if one did. */
    public Optional<LogOfflineException> offlineCause() {
        return Optional.ofNullable(offline.get());
    }

    /**
     * The first storage fault of any log takes the whole directory offline, as Kafka's
     * LogDirFailureChannel does: a broker has one log directory, so every replica on it stops
     * serving (lookups answer STORAGE_ERROR at once); its replicas are closed and the listeners
     * told on the partitions thread, never on the faulting thread, which may hold the log's locks.
     */
    private void onStorageFault(LogOfflineException fault) {
        if (!offline.compareAndSet(null, fault)) {
            return;
        }
        log.error("Broker {} takes its log directory {} offline: {}", brokerId, fault.directory(), fault.getMessage(),
                fault);
        try {
            applierThread.execute(this::closeOffline);
        } catch (RejectedExecutionException e) {
            log.debug("Broker {} is closing; its replicas close with it", brokerId);
        }
    }

    private void closeOffline() {
        LogOfflineException fault = offline.get();
        for (Partition partition : List.copyOf(partitions.values())) {
            try {
                partition.closeOffline("the log directory of broker " + brokerId + " went offline: "
                        + fault.getMessage());
            } catch (RuntimeException e) {
                log.debug("Broker {}: closing offline {}: {}", brokerId, partition.topicPartition(), e.toString());
            }
        }
        for (Consumer<LogOfflineException> listener : offlineListeners) {
            try {
                listener.accept(fault);
            } catch (RuntimeException e) {
                log.error("Broker {}: a directory-offline listener failed", brokerId, e);
            }
        }
    }

    @Override
    public void onImageChanged(MetadataImage previous, MetadataImage current) {
        latest = current;
        try {
            applierThread.execute(() -> apply(current));
        } catch (RejectedExecutionException e) {
            log.debug("Broker {} is closing; metadata offset {} is not applied", brokerId, current.offset());
        }
    }

    /** The hosted replica, if any. */
    public Optional<Partition> partition(TopicPartition topicPartition) {
        return Optional.ofNullable(partitions.get(topicPartition));
    }

    /** Every hosted replica. */
    public List<Partition> partitions() {
        return List.copyOf(partitions.values());
    }

    /** The last image whose changes were applied to the hosted replicas. */
    public MetadataImage appliedImage() {
        return applied;
    }

    /** Writes the high watermark of every hosted replica to the data directory's checkpoint. */
    public void checkpointHighWatermarks() {
        directory.checkpointHighWatermarks();
    }

    private void apply(MetadataImage image) {
        if (offline.get() != null) {
            return;  // nothing is opened or led from an offline directory
        }
        Set<String> failed = applier.apply(image);
        applied = image;
        scheduleRetry(failed);
        for (ChangeListener listener : listeners) {
            try {
                listener.partitionsChanged(image);
            } catch (RuntimeException e) {
                log.error("Broker {}: a partition change listener failed", brokerId, e);
            }
        }
    }

    /** While topics fail to apply, applies the latest image again after a growing delay. */
    private void scheduleRetry(Set<String> failed) {
        if (failed.isEmpty()) {
            retryDelayMs = FIRST_RETRY_MS;
            return;
        }
        if (retry != null) {
            return;  // one is scheduled; it applies the latest image
        }
        log.warn("Broker {} retries applying topics {} in {} ms", brokerId, failed, retryDelayMs);
        try {
            retry = applierThread.schedule(() -> {
                retry = null;
                apply(latest);
            }, retryDelayMs, TimeUnit.MILLISECONDS);
            retryDelayMs = Math.min(MAX_RETRY_MS, retryDelayMs * 2);
        } catch (RejectedExecutionException e) {
            log.debug("Broker {} is closing; no retry", brokerId);
        }
    }

    /**
     * Stops applying changes, retention and cleaning, checkpoints the high watermarks a last time
     * and closes every hosted replica (pending acks=all waits answered NOT_LEADER, logs flushed and closed).
     */
    @Override
    public void close() {
        applierThread.shutdownNow();
        retention.close();
        cleaner.close();
        try {
            if (!applierThread.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Broker {} partition thread did not stop within 10 s", brokerId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        directory.stopCheckpointing();
        for (Partition partition : List.copyOf(partitions.values())) {
            try {
                partition.close();
            } catch (RuntimeException e) {
                log.error("Broker {} failed to close {}", brokerId, partition.topicPartition(), e);
            }
        }
        partitions.clear();
        ackTimer.shutdownNow();
        directory.close();
    }
}
