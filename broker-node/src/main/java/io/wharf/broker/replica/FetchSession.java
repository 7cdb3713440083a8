package io.wharf.broker.replica;

import io.wharf.broker.TopicPartition;
import io.wharf.proto.common.ErrorCode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The leader's memory of one follower broker's fetch session: the partitions it fetches, the
 * position it last reported for each, and the high watermark and log start offset last sent for
 * each, so that incremental requests and answers carry only what changed. Thread-safe: a long
 * poll evaluates on several threads, and an abandoned poll may still run beside the next request.
 */
final class FetchSession {

    /** The session's partition, with the position its follower reported last. */
    record Member(TopicPartition topicPartition, FetchPosition position) {
    }

    /** No answer has carried this partition yet, so the next one must. */
    private static final long NOT_SENT = Long.MIN_VALUE;

    private final int id;
    private final int replicaId;
    private final Map<TopicPartition, Cached> partitions = new LinkedHashMap<>();  // guarded by this
    private int expectedEpoch = 1;                                                  // guarded by this
    private long lastUsedMs;                                                        // guarded by this

    FetchSession(int id, int replicaId, long nowMs) {
        this.id = id;
        this.replicaId = replicaId;
        this.lastUsedMs = nowMs;
    }

    int id() {
        return id;
    }

    int replicaId() {
        return replicaId;
    }

    synchronized long lastUsedMs() {
        return lastUsedMs;
    }

    /**
     * Accepts the request numbered {@code epoch} at {@code nowMs}.
     *
     * @throws FetchSessionException INVALID_FETCH_SESSION_EPOCH when it is not the next one
     */
    synchronized void advance(int epoch, long nowMs) {
        if (epoch != expectedEpoch) {
            throw new FetchSessionException(ErrorCode.INVALID_FETCH_SESSION_EPOCH,
                    "fetch session " + id + " of broker " + replicaId + " expected epoch " + expectedEpoch
                            + " but the request has " + epoch + "; send a full request");
        }
        expectedEpoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        lastUsedMs = nowMs;
    }

    /**
     * Applies one request: drops {@code forgotten}, then takes the positions of {@code changed}
     * (new partitions join the session). Unlisted partitions keep the position they had.
     */
    synchronized void update(Map<TopicPartition, FetchPosition> changed, Collection<TopicPartition> forgotten) {
        forgotten.forEach(partitions::remove);
        changed.forEach((tp, position) -> {
            Cached cached = partitions.computeIfAbsent(tp, k -> new Cached());
            if (cached.position != null && cached.position.currentLeaderEpoch() != position.currentLeaderEpoch()) {
                // A follower in a new leader epoch may have dropped or not yet applied what was
                // sent before (a role change resets its replica): tell it again.
                cached.sentHighWatermark = NOT_SENT;
                cached.sentLogStartOffset = NOT_SENT;
            }
            cached.position = position;
        });
    }

    /** The partitions as they stand now, in the order they joined. */
    synchronized List<Member> members() {
        List<Member> members = new ArrayList<>(partitions.size());
        partitions.forEach((tp, cached) -> members.add(new Member(tp, cached.position)));
        return members;
    }

    /**
     * Whether an answer must carry {@code tp} for the sake of these values: they differ from
     * what was last sent for it, or nothing was. False for a partition no longer in the session.
     */
    synchronized boolean changedSinceSent(TopicPartition tp, long highWatermark, long logStartOffset) {
        Cached cached = partitions.get(tp);
        return cached != null && (cached.sentHighWatermark != highWatermark
                || cached.sentLogStartOffset != logStartOffset);
    }

    /** Records that an answer delivered these values for {@code tp}. */
    synchronized void sent(TopicPartition tp, long highWatermark, long logStartOffset) {
        Cached cached = partitions.get(tp);
        if (cached != null) {
            cached.sentHighWatermark = highWatermark;
            cached.sentLogStartOffset = logStartOffset;
        }
    }

    private static final class Cached {
        private FetchPosition position;
        private long sentHighWatermark = NOT_SENT;
        private long sentLogStartOffset = NOT_SENT;
    }
}
