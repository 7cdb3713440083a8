package io.wharf.broker.partition;

import io.wharf.broker.ServiceThreads;
import io.wharf.broker.TopicPartition;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicImage;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogConfig;
import io.wharf.replication.log.LogFileChannels;
import io.wharf.replication.log.LogOfflineException;
import io.wharf.replication.log.LogStorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's log directory ({@code data.dir}): opens the {@link Log} of a replica under
 * {@code <topic>-<partition>} (deleting the data of an older topic of the same name first),
 * deletes replica directories, and keeps the high-watermark checkpoint of the hosted replicas.
 *
 * <p>Thread-safe. It owns three threads: the {@link DirectoryFlusher} fsyncs what leaders and
 * followers appended in {@code flush.mode=sync}; the roll flusher fsyncs the segments its logs
 * roll, off the append path (Kafka flushes rolled segments in the background too); the third
 * writes the {@link HighWatermarkCheckpoint} every checkpoint interval and, every
 * {@value #SPACE_CHECK_INTERVAL_MS} ms, lets a full directory ({@link DirectorySpace}) find out that
 * space was freed (one statvfs call; nothing when the directory is not full).
 * {@link #stopCheckpointing()} writes it a last time while the logs are open; {@link #close()}
 * stops both threads after the caller closed the logs.
 */
final class LogDirectory implements AutoCloseable {

    /** File in each partition directory naming the topic id, so a re-created topic never reuses old data. */
    static final String TOPIC_ID_FILE = "partition.metadata";

    /** How often a full directory checks whether space was freed. */
    static final long SPACE_CHECK_INTERVAL_MS = 500;

    private static final Logger log = LoggerFactory.getLogger(LogDirectory.class);

    private final int brokerId;
    private final Path dataDir;
    private final Clock clock;
    private final Supplier<Collection<Partition>> hosted;
    private final LogFileChannels channels;
    private final Consumer<LogOfflineException> onOffline;
    private final DirectorySpace space;
    private final ExecutorService rollFlusher;
    private final DirectoryFlusher flusher;
    private final ScheduledExecutorService checkpointer;
    private final HighWatermarkCheckpoint highWatermarks;
    /**
     * High watermarks read from the checkpoint at start for replicas not opened yet: consumed when
     * the replica opens, forgotten once the metadata shows it is not hosted here, and written back
     * meanwhile so that an early checkpoint does not lose them.
     */
    private final Map<TopicPartition, Long> notYetOpened = new ConcurrentHashMap<>();

    /**
     * Reads the high-watermark checkpoint of {@code dataDir} (a corrupt one is logged and ignored:
     * the replicas then start without a known high watermark, as before checkpoints existed; see
     * decision {@code hw-checkpoint-damage-is-not-fatal.md}) and starts the directory's threads.
     *
     * @param hosted     the replicas whose high watermarks are checkpointed
     * @param fsyncNanos told how long each fsync of a replica's appended records took
     * @param channels   opens the segment files (a fault-injecting one in tests)
     * @param onOffline  told, on the thread that hit it, of the first storage fault of each log: the
     *                   directory must go offline; it must not call back into that log
     * @param resumeFreeBytes usable bytes after which a full directory serves again ({@link DirectorySpace})
     */
    LogDirectory(int brokerId, Path dataDir, Clock clock, Duration checkpointInterval,
                 Supplier<Collection<Partition>> hosted, LongConsumer fsyncNanos, LogFileChannels channels,
                 Consumer<LogOfflineException> onOffline, long resumeFreeBytes) {
        this.brokerId = brokerId;
        this.dataDir = dataDir;
        this.clock = clock;
        this.hosted = hosted;
        this.channels = channels;
        this.onOffline = onOffline;
        this.space = new DirectorySpace(brokerId, dataDir, resumeFreeBytes);
        this.rollFlusher = Executors.newSingleThreadExecutor(
                ServiceThreads.daemon("broker-" + brokerId + "-log-flusher"));
        this.flusher = new DirectoryFlusher(brokerId, String.valueOf(dataDir.getFileName()), fsyncNanos);
        this.highWatermarks = new HighWatermarkCheckpoint(dataDir);
        try {
            notYetOpened.putAll(highWatermarks.read());
        } catch (LogStorageException e) {
            log.error("Broker {} ignores its high-watermark checkpoint; its replicas start without a known high "
                    + "watermark and the file is rewritten at the next checkpoint", brokerId, e);
        }
        this.checkpointer = Executors.newSingleThreadScheduledExecutor(
                ServiceThreads.daemon("broker-" + brokerId + "-hw-checkpoint"));
        checkpointer.scheduleWithFixedDelay(this::checkpointQuietly, checkpointInterval.toMillis(),
                checkpointInterval.toMillis(), TimeUnit.MILLISECONDS);
        checkpointer.scheduleWithFixedDelay(space::checkFreed, SPACE_CHECK_INTERVAL_MS, SPACE_CHECK_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
    }

    /** Whether this directory is full (see {@link DirectorySpace}). */
    DirectorySpace space() {
        return space;
    }

    /** The fsync thread of this directory, for replicas in deferred durability. */
    FlushRequests flusher() {
        return flusher;
    }

    /** A replica's opened log and the high watermark checkpointed for it, if any. */
    record Opened(Log log, Long checkpointedHighWatermark) {
    }

    /**
     * Opens the log of {@code tp} of {@code topic} with {@code config}, creating its directory,
     * or deleting it first when it holds an older topic of the same name.
     *
     * @throws LogStorageException when the directory or its log cannot be opened
     */
    Opened open(TopicPartition tp, TopicImage topic, LogConfig config) {
        Path dir = replicaDir(tp);
        try {
            Path idFile = dir.resolve(TOPIC_ID_FILE);
            if (Files.exists(idFile)
                    && !Files.readString(idFile, StandardCharsets.UTF_8).trim().equals(topic.topicId())) {
                log.info("Broker {} deletes {}: it holds an older topic of the same name", brokerId, dir);
                deleteRecursively(dir);
            }
            Files.createDirectories(dir);
            Files.writeString(idFile, topic.topicId() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LogStorageException("cannot prepare the directory " + dir + " of " + tp, e);
        }
        Log opened = Log.open(dir, config, clock, rollFlusher, channels);
        opened.faults().onOffline(onOffline);
        opened.faults().onDirectoryFull(space::onFull);
        return new Opened(opened, notYetOpened.remove(tp));
    }

    /** Deletes the directory of a closed replica. */
    void delete(Partition closed) throws IOException {
        deleteRecursively(closed.log().directory());
    }

    /** Forgets checkpointed high watermarks of replicas {@code image} no longer places here. */
    void retainHostedIn(MetadataImage image) {
        notYetOpened.keySet().removeIf(tp -> !hostedHere(image, tp));
    }

    /** Writes the high watermark of every hosted replica (and of those not opened yet) to the checkpoint. */
    void checkpointHighWatermarks() {
        Map<TopicPartition, Long> current = new HashMap<>(notYetOpened);
        for (Partition partition : hosted.get()) {
            current.put(partition.topicPartition(), partition.highWatermark());
        }
        highWatermarks.write(current);
    }

    private Path replicaDir(TopicPartition tp) {
        return dataDir.resolve(tp.topic() + "-" + tp.partition());
    }

    private boolean hostedHere(MetadataImage image, TopicPartition tp) {
        TopicImage topic = image.topics().get(tp.topic());
        PartitionState state = topic == null ? null : topic.partitions().get(tp.partition());
        return state != null && state.replicas().contains(brokerId);
    }

    /** The periodic checkpoint: a failed write is logged and retried at the next interval. */
    private void checkpointQuietly() {
        try {
            checkpointHighWatermarks();
        } catch (RuntimeException e) {
            log.error("Broker {} could not write its high-watermark checkpoint {}", brokerId, highWatermarks.path(), e);
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

    /** Stops the periodic checkpoint and writes a last one; call while the replicas are still open. */
    void stopCheckpointing() {
        checkpointer.shutdown();  // not shutdownNow: an interrupt would abort a checkpoint write midway
        try {
            if (!checkpointer.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Broker {} high-watermark checkpoint thread did not stop within 10 s", brokerId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checkpointQuietly();
    }

    /**
     * Stops the roll flusher once its queued fsyncs ran; call after every log is closed (a log's
     * close() fsyncs what its roll flushes had not done yet).
     */
    @Override
    public void close() {
        checkpointer.shutdownNow();
        flusher.close();
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
