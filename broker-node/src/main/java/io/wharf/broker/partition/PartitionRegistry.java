package io.wharf.broker.partition;

import io.wharf.broker.MetadataListener;
import io.wharf.broker.TopicPartition;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicConfigs;
import io.wharf.metadata.TopicImage;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogConfig;
import io.wharf.replication.log.LogStorageException;
import io.wharf.replication.log.RetentionPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas this broker hosts, kept in step with the metadata: opens a {@link Log} under
 * {@code data.dir/<topic>-<partition>} for every partition with a replica here, makes it leader or
 * follower when its leader epoch changes, passes ISR changes on, and closes and deletes the
 * replicas of deleted topics (or of partitions moved away).
 *
 * <p>Thread-safe. Metadata changes arrive on the metadata follower's thread and are applied in
 * order on this registry's own single thread (opening and deleting logs is I/O, which listeners
 * must not do); lookups read a concurrent map from any thread. A second thread it owns fsyncs the
 * segments its logs roll in {@code flush.mode=lazy}, off the append path (Kafka flushes rolled
 * segments in the background too). A third writes the high watermarks of the hosted replicas to
 * the {@link HighWatermarkCheckpoint} every checkpoint interval, and {@link #close()} writes it
 * once more; a replica opened after a restart starts from its checkpointed high watermark. A
 * fourth, owned by its {@link RetentionEnforcer}, deletes segments past each topic's retention
 * every retention check interval.
 */
public final class PartitionRegistry implements MetadataListener, AutoCloseable {

    /** Told, on the registry thread, after each metadata change was applied. */
    @FunctionalInterface
    public interface ChangeListener {
        void partitionsChanged(MetadataImage image);
    }

    /** File in each partition directory naming the topic id, so a re-created topic never reuses old data. */
    static final String TOPIC_ID_FILE = "partition.metadata";

    private static final Logger log = LoggerFactory.getLogger(PartitionRegistry.class);

    private final int brokerId;
    private final Path dataDir;
    private final FlushMode flushMode;
    private final long lagTimeMaxMs;
    private final Clock clock;
    private final ExecutorService applier;
    private final ExecutorService rollFlusher;
    private final ScheduledExecutorService checkpointer;
    private final HighWatermarkCheckpoint highWatermarks;
    private final RetentionEnforcer retention;
    /**
     * High watermarks read from the checkpoint at start for replicas not opened yet: consumed when
     * the replica opens, forgotten once the metadata shows it is not hosted here, and written back
     * meanwhile so that an early checkpoint does not lose them.
     */
    private final Map<TopicPartition, Long> notYetOpened = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage applied = MetadataImage.empty();

    /**
     * Reads the high-watermark checkpoint of {@code dataDir} (a corrupt one is logged and ignored:
     * the replicas then start without a known high watermark, as before checkpoints existed; see
     * decision {@code hw-checkpoint-damage-is-not-fatal.md}) and starts the registry's threads.
     *
     * @param checkpointInterval     how often the high watermarks are checkpointed
     * @param defaultRetention       the broker's log.retention.ms / log.retention.bytes, for
     *                               topics that do not set their own
     * @param retentionCheckInterval how often retention runs over the hosted replicas
     * @param clock                  time of the logs (segment.ms, retention.ms)
     */
    public PartitionRegistry(int brokerId, Path dataDir, FlushMode flushMode, long lagTimeMaxMs,
                             Duration checkpointInterval, RetentionPolicy defaultRetention,
                             Duration retentionCheckInterval, Clock clock) {
        this.brokerId = brokerId;
        this.dataDir = dataDir;
        this.flushMode = flushMode;
        this.lagTimeMaxMs = lagTimeMaxMs;
        this.clock = clock;
        this.applier = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "broker-" + brokerId + "-partitions");
            thread.setDaemon(true);
            return thread;
        });
        this.rollFlusher = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "broker-" + brokerId + "-log-flusher");
            thread.setDaemon(true);
            return thread;
        });
        this.highWatermarks = new HighWatermarkCheckpoint(dataDir);
        try {
            notYetOpened.putAll(highWatermarks.read());
        } catch (LogStorageException e) {
            log.error("Broker {} ignores its high-watermark checkpoint; its replicas start without a known high "
                    + "watermark and the file is rewritten at the next checkpoint", brokerId, e);
        }
        this.checkpointer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "broker-" + brokerId + "-hw-checkpoint");
            thread.setDaemon(true);
            return thread;
        });
        checkpointer.scheduleWithFixedDelay(this::checkpointQuietly, checkpointInterval.toMillis(),
                checkpointInterval.toMillis(), TimeUnit.MILLISECONDS);
        this.retention = new RetentionEnforcer(brokerId, partitions::values, () -> applied, defaultRetention,
                retentionCheckInterval);
        retention.start();
    }

    public void addListener(ChangeListener listener) {
        listeners.add(listener);
    }

    @Override
    public void onImageChanged(MetadataImage previous, MetadataImage current) {
        applier.execute(() -> apply(current));
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

    private void apply(MetadataImage image) {
        MetadataImage before = applied;
        try {
            for (TopicImage topic : image.topics().values()) {
                if (before.topics().get(topic.name()) != topic) {
                    applyTopic(topic);
                }
            }
            for (Partition partition : List.copyOf(partitions.values())) {
                TopicImage topic = image.topics().get(partition.topicPartition().topic());
                if (topic == null) {
                    drop(partition, "its topic was deleted");
                }
            }
        } catch (RuntimeException e) {
            log.error("Broker {} failed to apply metadata offset {} to its replicas", brokerId, image.offset(), e);
        }
        applied = image;
        notYetOpened.keySet().removeIf(tp -> !hostedHere(image, tp));
        for (ChangeListener listener : listeners) {
            try {
                listener.partitionsChanged(image);
            } catch (RuntimeException e) {
                log.error("Broker {}: a partition change listener failed", brokerId, e);
            }
        }
    }

    private void applyTopic(TopicImage topic) {
        int minIsr = (int) TopicConfigs.effectiveLong(topic.configs(), TopicConfigs.MIN_INSYNC_REPLICAS);
        for (PartitionState state : topic.partitions().values()) {
            TopicPartition tp = new TopicPartition(topic.name(), state.partition());
            Partition hosted = partitions.get(tp);
            if (hosted != null && !hosted.topicId().equals(topic.topicId())) {
                drop(hosted, "its topic was re-created");
                hosted = null;
            }
            if (!state.replicas().contains(brokerId)) {
                if (hosted != null) {
                    drop(hosted, "its replica moved away");
                }
                continue;
            }
            if (hosted == null) {
                hosted = open(tp, topic);
                if (hosted == null) {
                    continue;
                }
            } else {
                adoptConfigs(hosted, topic);
            }
            transition(hosted, state, minIsr);
        }
        for (Partition partition : List.copyOf(partitions.values())) {
            TopicPartition tp = partition.topicPartition();
            if (tp.topic().equals(topic.name()) && !topic.partitions().containsKey(tp.partition())) {
                drop(partition, "the topic no longer has that partition");
            }
        }
    }

    private void transition(Partition hosted, PartitionState state, int minIsr) {
        PartitionState before = hosted.state();
        boolean newEpoch = before == null || before.leaderEpoch() != state.leaderEpoch();
        if (state.leader() == brokerId) {
            if (newEpoch || !hosted.isLeader()) {
                hosted.becomeLeader(state, minIsr);
                log.info("Broker {} leads {} at leader epoch {} (log end offset {})", brokerId,
                        hosted.topicPartition(), state.leaderEpoch(), hosted.log().logEndOffset());
            } else {
                hosted.onAssignmentUpdated(state, minIsr);
            }
        } else if (newEpoch || hosted.isLeader() || hosted.follower() == null) {
            hosted.becomeFollower(state);
            log.info("Broker {} follows broker {} for {} at leader epoch {}", brokerId, state.leader(),
                    hosted.topicPartition(), state.leaderEpoch());
        } else {
            hosted.onAssignmentUpdated(state, minIsr);
        }
    }

    /**
     * The topic changed, so its configs may have (AlterConfigs): the open log adopts them. A
     * failure is logged and the replica keeps its old configs; its leadership change, if any,
     * must still happen.
     */
    private void adoptConfigs(Partition hosted, TopicImage topic) {
        try {
            hosted.log().updateConfig(logConfig(topic));
        } catch (RuntimeException e) {
            log.error("Broker {} could not apply the configs {} of {} to its replica; it keeps the previous ones",
                    brokerId, topic.configs(), hosted.topicPartition(), e);
        }
    }

    /** The log config of {@code topic}'s replicas here: its configs over the defaults, this broker's flush mode. */
    private LogConfig logConfig(TopicImage topic) {
        Map<String, String> configs = new HashMap<>(TopicConfigs.withDefaults(topic.configs()));
        configs.put(LogConfig.FLUSH_MODE, flushMode.name());
        return LogConfig.fromProperties(configs);
    }

    private Partition open(TopicPartition tp, TopicImage topic) {
        Path dir = dataDir.resolve(tp.topic() + "-" + tp.partition());
        try {
            Path idFile = dir.resolve(TOPIC_ID_FILE);
            if (Files.exists(idFile)
                    && !Files.readString(idFile, StandardCharsets.UTF_8).trim().equals(topic.topicId())) {
                log.info("Broker {} deletes {}: it holds an older topic of the same name", brokerId, dir);
                deleteRecursively(dir);
            }
            Files.createDirectories(dir);
            Files.writeString(idFile, topic.topicId() + "\n", StandardCharsets.UTF_8);
            Log opened = Log.open(dir, logConfig(topic), clock, rollFlusher);
            Long checkpointed = notYetOpened.remove(tp);
            Partition partition = checkpointed == null
                    ? new Partition(tp, topic.topicId(), brokerId, opened, clock, lagTimeMaxMs)
                    : new Partition(tp, topic.topicId(), brokerId, opened, clock, lagTimeMaxMs, checkpointed);
            partitions.put(tp, partition);
            return partition;
        } catch (IOException | LogStorageException | IllegalArgumentException e) {
            log.error("Broker {} cannot open the replica of {} in {}; it stays unavailable here", brokerId, tp, dir, e);
            return null;
        }
    }

    private boolean hostedHere(MetadataImage image, TopicPartition tp) {
        TopicImage topic = image.topics().get(tp.topic());
        PartitionState state = topic == null ? null : topic.partitions().get(tp.partition());
        return state != null && state.replicas().contains(brokerId);
    }

    /** Writes the high watermark of every hosted replica (and of those not opened yet) to the checkpoint. */
    public void checkpointHighWatermarks() {
        Map<TopicPartition, Long> current = new HashMap<>(notYetOpened);
        for (Partition partition : partitions.values()) {
            current.put(partition.topicPartition(), partition.highWatermark());
        }
        highWatermarks.write(current);
    }

    /** The periodic checkpoint: a failed write is logged and retried at the next interval. */
    private void checkpointQuietly() {
        try {
            checkpointHighWatermarks();
        } catch (RuntimeException e) {
            log.error("Broker {} could not write its high-watermark checkpoint {}", brokerId, highWatermarks.path(), e);
        }
    }

    private void drop(Partition partition, String why) {
        partitions.remove(partition.topicPartition(), partition);
        partition.close();
        Path dir = partition.log().directory();
        try {
            deleteRecursively(dir);
            log.info("Broker {} deleted its replica of {}: {}", brokerId, partition.topicPartition(), why);
        } catch (IOException e) {
            log.error("Broker {} closed {} ({}) but could not delete {}", brokerId, partition.topicPartition(), why,
                    dir, e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
        }
        for (Path path : paths) {
            Files.delete(path);
        }
    }

    /**
     * Stops applying changes and retention, checkpoints the high watermarks a last time and closes
     * every hosted replica (logs flushed and closed).
     */
    @Override
    public void close() {
        applier.shutdownNow();
        retention.close();
        checkpointer.shutdown();  // not shutdownNow: an interrupt would abort a checkpoint write midway
        try {
            if (!applier.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Broker {} partition thread did not stop within 10 s", brokerId);
            }
            if (!checkpointer.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Broker {} high-watermark checkpoint thread did not stop within 10 s", brokerId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checkpointQuietly();
        for (Partition partition : List.copyOf(partitions.values())) {
            try {
                partition.close();
            } catch (RuntimeException e) {
                log.error("Broker {} failed to close {}", brokerId, partition.topicPartition(), e);
            }
        }
        partitions.clear();
        // Only now: a log's close() fsyncs what its roll flushes had not done yet.
        rollFlusher.shutdown();
        try {
            if (!rollFlusher.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Broker {} log flusher did not stop within 10 s", brokerId);
                rollFlusher.shutdownNow();
            }
        } catch (InterruptedException e) {
            rollFlusher.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
