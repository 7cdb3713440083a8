package io.wharf.broker.partition;

import io.wharf.broker.TopicPartition;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicImage;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CorruptRecordException;
import io.wharf.replication.log.InvalidAppendException;
import io.wharf.replication.log.LogOfflineException;
import io.wharf.replication.log.LogStorageException;
import io.wharf.replication.log.OffsetOutOfRangeException;
import io.wharf.replication.log.RecordTooLargeException;
import io.wharf.replication.replica.ReplicationException;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the partition a data-plane request names, as leader on this broker, and turns every
 * failure into a wire {@link Error}: UNKNOWN_TOPIC / UNKNOWN_PARTITION from the metadata image,
 * NOT_LEADER with the current leader's id and endpoint, log and replica refusals with their own
 * codes. Thread-safe (reads immutable images and the registry's concurrent map).
 */
public final class PartitionLookup {

    private static final Logger log = LoggerFactory.getLogger(PartitionLookup.class);

    private final int brokerId;
    private final PartitionRegistry registry;
    private final Supplier<MetadataImage> image;

    public PartitionLookup(int brokerId, PartitionRegistry registry, Supplier<MetadataImage> image) {
        this.brokerId = brokerId;
        this.registry = registry;
        this.image = image;
    }

    /**
     * The replica of {@code topic}-{@code partition} this broker leads.
     *
     * @throws ReplicationException UNKNOWN_TOPIC, UNKNOWN_PARTITION, STORAGE_ERROR (this broker's log
     *     directory is offline) or NOT_LEADER
     */
    public Partition leader(String topic, int partition) {
        TopicImage topicImage = image.get().topics().get(topic);
        if (topicImage == null) {
            throw new ReplicationException(ErrorCode.UNKNOWN_TOPIC, "topic '" + topic + "' does not exist");
        }
        if (!topicImage.partitions().containsKey(partition)) {
            throw new ReplicationException(ErrorCode.UNKNOWN_PARTITION, "topic '" + topic + "' has partitions 0.."
                    + (topicImage.partitions().size() - 1) + "; there is no partition " + partition);
        }
        Optional<LogOfflineException> offline = registry.offlineCause();
        if (offline.isPresent()) {
            throw new ReplicationException(ErrorCode.STORAGE_ERROR, "broker " + brokerId + " took its log directory "
                    + offline.get().directory() + " offline after a storage fault (" + offline.get().getMessage()
                    + "); its leaderships move to other replicas");
        }
        Optional<Partition> hosted = registry.partition(new TopicPartition(topic, partition));
        if (hosted.isPresent() && hosted.get().topicId().equals(topicImage.topicId()) && hosted.get().isLeader()) {
            return hosted.get();
        }
        throw new ReplicationException(ErrorCode.NOT_LEADER, "broker " + brokerId + " does not lead "
                + topic + "-" + partition);
    }

    /** The wire error for a failure while serving {@code topic}-{@code partition}. */
    public Error toError(RuntimeException failure, String topic, int partition) {
        if (failure instanceof ReplicationException e) {
            return e.errorCode() == ErrorCode.NOT_LEADER ? notLeader(e.getMessage(), topic, partition)
                    : error(e.errorCode(), e.getMessage());
        }
        if (failure instanceof CorruptRecordException e) {
            return error(ErrorCode.CORRUPT_RECORD, "a record batch for " + topic + "-" + partition
                    + " is corrupt (" + e.getMessage() + "); nothing was appended");
        }
        if (failure instanceof RecordTooLargeException e) {
            return error(ErrorCode.RECORD_TOO_LARGE, e.getMessage());
        }
        if (failure instanceof InvalidAppendException e) {
            return error(e.errorCode(), e.getMessage());
        }
        if (failure instanceof OffsetOutOfRangeException e) {
            return error(ErrorCode.OFFSET_OUT_OF_RANGE, e.getMessage());
        }
        if (failure instanceof LogStorageException e) {
            return error(ErrorCode.STORAGE_ERROR, "broker " + brokerId + " could not serve " + topic + "-" + partition
                    + " from its log directory: " + e.getMessage() + "; its leaderships move to other replicas");
        }
        log.error("Broker {} failed serving {}-{}", brokerId, topic, partition, failure);
        return error(ErrorCode.UNKNOWN_SERVER_ERROR, "broker " + brokerId + " failed serving " + topic + "-"
                + partition + ": " + failure);
    }

    /** NOT_LEADER naming the leader the newest image knows (-1 and "" when none). */
    private Error notLeader(String message, String topic, int partition) {
        MetadataImage current = image.get();
        int leader = current.topic(topic).flatMap(t -> t.partition(partition)).map(PartitionState::leader)
                .orElse(PartitionState.NO_LEADER);
        String endpoint = leader == PartitionState.NO_LEADER ? ""
                : current.broker(leader).map(BrokerRegistration::endpoint).orElse("");
        String where = leader == PartitionState.NO_LEADER ? "; it has no leader right now"
                : leader == brokerId ? "; this broker is taking leadership, retry shortly"
                : "; its leader is broker " + leader + " at " + endpoint;
        return Error.newBuilder().setCode(ErrorCode.NOT_LEADER).setMessage(message + where).setLeaderId(leader)
                .setLeaderEndpoint(endpoint).build();
    }

    public static Error error(ErrorCode code, String message) {
        return Error.newBuilder().setCode(code).setMessage(message).setLeaderId(-1).build();
    }

    /** The error of a success. */
    public static Error none() {
        return Error.newBuilder().setCode(ErrorCode.NONE).setLeaderId(-1).build();
    }
}
