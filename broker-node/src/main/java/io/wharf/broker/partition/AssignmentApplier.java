package io.wharf.broker.partition;

import io.wharf.broker.TopicPartition;
import io.wharf.config.TopicConfigKeys;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicConfigs;
import io.wharf.metadata.TopicImage;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.LogConfig;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the metadata's replica assignments to the replicas this broker hosts: opens a replica
 * for every partition with a replica here, makes it leader or follower when its leader epoch
 * changes, passes ISR and config changes on, and closes and deletes the replicas of deleted
 * topics and of partitions moved away.
 *
 * <p>Each topic is applied on its own: one that fails (its log cannot be opened, say) does not
 * stop the others, and is tried again at every later application until it succeeds, whether or
 * not the metadata changed meanwhile — never a replica silently left behind its assignment.
 *
 * <p>Not thread-safe: the {@link PartitionRegistry} runs it on its single partitions thread.
 */
final class AssignmentApplier {

    private static final Logger log = LoggerFactory.getLogger(AssignmentApplier.class);

    private final int brokerId;
    private final FlushMode flushMode;
    private final ReplicaContext context;
    private final LogDirectory directory;
    private final ConcurrentMap<TopicPartition, Partition> partitions;
    /** Topics whose last application failed, with the failure, retried until they apply. */
    private final Map<String, RuntimeException> failedTopics = new HashMap<>();
    private MetadataImage applied = MetadataImage.empty();

    /** @param flushMode the broker's flush.mode: SYNC (deferred to the directory's fsync thread) or LAZY */
    AssignmentApplier(FlushMode flushMode, ReplicaContext context, LogDirectory directory,
                      ConcurrentMap<TopicPartition, Partition> partitions) {
        this.brokerId = context.brokerId();
        this.flushMode = flushMode;
        this.context = context;
        this.directory = directory;
        this.partitions = partitions;
    }

    /**
     * Applies every topic that changed since the last image applied, and every topic whose last
     * application failed.
     *
     * @return the topics that failed this time (empty when the replicas match {@code image})
     */
    Set<String> apply(MetadataImage image) {
        MetadataImage before = applied;
        Set<String> toApply = new LinkedHashSet<>(failedTopics.keySet());
        for (TopicImage topic : image.topics().values()) {
            if (before.topics().get(topic.name()) != topic) {
                toApply.add(topic.name());
            }
        }
        for (String name : toApply) {
            TopicImage topic = image.topics().get(name);
            if (topic == null) {
                failedTopics.remove(name);  // deleted meanwhile: dropped below
                continue;
            }
            try {
                applyTopic(topic);
                if (failedTopics.remove(name) != null) {
                    log.info("Broker {} applied topic {} to its replicas after earlier failures", brokerId, name);
                }
            } catch (RuntimeException e) {
                RuntimeException previous = failedTopics.put(name, e);
                if (previous == null || !String.valueOf(previous.getMessage()).equals(e.getMessage())) {
                    log.error("Broker {} failed to apply topic {} of metadata offset {} to its replicas; it retries",
                            brokerId, name, image.offset(), e);
                }
            }
        }
        for (Partition partition : List.copyOf(partitions.values())) {
            if (!image.topics().containsKey(partition.topicPartition().topic())) {
                drop(partition, "its topic was deleted");
            }
        }
        applied = image;
        directory.retainHostedIn(image);
        return Set.copyOf(failedTopics.keySet());
    }

    /**
     * Applies one topic partition by partition: a partition that fails does not stop the others
     * (nor, for a config that does not apply, its own leadership change); the first failure is
     * thrown at the end so that the topic is tried again.
     */
    private void applyTopic(TopicImage topic) {
        int minIsr = (int) TopicConfigs.effectiveLong(topic.configs(), TopicConfigKeys.MIN_INSYNC_REPLICAS.name());
        RuntimeException firstFailure = null;
        for (PartitionState state : topic.partitions().values()) {
            TopicPartition tp = new TopicPartition(topic.name(), state.partition());
            try {
                applyPartition(topic, tp, state, minIsr);
            } catch (RuntimeException e) {
                if (firstFailure == null) {
                    firstFailure = e;
                } else {
                    firstFailure.addSuppressed(e);
                }
            }
        }
        for (Partition partition : List.copyOf(partitions.values())) {
            TopicPartition tp = partition.topicPartition();
            if (tp.topic().equals(topic.name()) && !topic.partitions().containsKey(tp.partition())) {
                drop(partition, "the topic no longer has that partition");
            }
        }
        if (firstFailure != null) {
            throw firstFailure;
        }
    }

    private void applyPartition(TopicImage topic, TopicPartition tp, PartitionState state, int minIsr) {
        Partition hosted = partitions.get(tp);
        if (hosted != null && !hosted.topicId().equals(topic.topicId())) {
            drop(hosted, "its topic was re-created");
            hosted = null;
        }
        if (!state.replicas().contains(brokerId)) {
            if (hosted != null) {
                drop(hosted, "its replica moved away");
            }
            return;
        }
        RuntimeException configFailure = null;
        if (hosted == null) {
            hosted = open(tp, topic);
        } else {
            try {
                hosted.log().updateConfig(logConfig(topic));
            } catch (RuntimeException e) {
                configFailure = new IllegalStateException("the configs " + topic.configs() + " of " + tp
                        + " do not apply to its open log; it keeps the previous ones", e);
            }
        }
        transition(hosted, state, minIsr);
        if (configFailure != null) {
            throw configFailure;
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
     * The log config of {@code topic}'s replicas here: its configs over the defaults, and this
     * broker's flush mode, where sync means deferred: the directory's fsync thread flushes, not
     * the appending thread (see {@link DirectoryFlusher}).
     */
    private LogConfig logConfig(TopicImage topic) {
        Map<String, String> configs = new HashMap<>(TopicConfigs.withDefaults(topic.configs()));
        configs.put(LogConfig.FLUSH_MODE, (flushMode == FlushMode.LAZY ? FlushMode.LAZY : FlushMode.DEFERRED).name());
        return LogConfig.fromProperties(configs);
    }

    private Partition open(TopicPartition tp, TopicImage topic) {
        LogDirectory.Opened opened = directory.open(tp, topic, logConfig(topic));
        Partition partition = opened.checkpointedHighWatermark() == null
                ? new Partition(tp, topic.topicId(), opened.log(), context)
                : new Partition(tp, topic.topicId(), opened.log(), context, opened.checkpointedHighWatermark());
        partitions.put(tp, partition);
        return partition;
    }

    private void drop(Partition partition, String why) {
        partitions.remove(partition.topicPartition(), partition);
        try {
            partition.close();
        } catch (RuntimeException e) {
            log.error("Broker {} failed to close {} ({}); deleting it anyway", brokerId, partition.topicPartition(),
                    why, e);
        }
        try {
            directory.delete(partition);
            log.info("Broker {} deleted its replica of {}: {}", brokerId, partition.topicPartition(), why);
        } catch (IOException e) {
            log.error("Broker {} closed {} ({}) but could not delete {}", brokerId, partition.topicPartition(), why,
                    partition.log().directory(), e);
        }
    }
}
