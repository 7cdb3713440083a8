package io.wharf.replication.producer;

import io.wharf.proto.common.ErrorCode;
import io.wharf.record.RecordBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The idempotent-producer state of one partition replica, after Kafka's ProducerStateManager:
 * for each producer id its epoch and last {@value #RETAINED_BATCHES} batches (sequences and
 * offsets). The leader {@linkplain #check checks} a producer's batches before appending them:
 * a batch already written is a duplicate and answers its original offsets, a batch that does not
 * continue the producer's sequence is rejected. Every replica {@linkplain #onAppended records}
 * the batches its log takes (as leader, as follower, and when rebuilding from the log at open or
 * after truncation), so a new leader deduplicates as the old one did.
 *
 * <p>Pure and deterministic; not thread-safe (the owning log guards it with its append lock).
 *
 * <p>Sequence rules (Kafka's, for non-transactional producers): within one epoch a batch must
 * start right after the producer's last sequence (wrapping from Integer.MAX_VALUE to 0); a newer
 * epoch starts at 0; an older epoch is fenced. A producer this replica has no state for must start
 * at 0, unless {@code stateMayBeIncomplete} (records were removed from the log start, so its earlier
 * batches may have gone with them), when any sequence is accepted, as Kafka does.
 *
 * <p>Expiry (Kafka's {@code producer.id.expiration.ms}): {@link #removeExpired} forgets a producer
 * whose last batch's max timestamp is that long before the given time. The timestamps come from the
 * batches in the log, so every replica, and a replica rebuilt from its log, expires the same
 * producers for the same time.
 */
public final class ProducerStateTable {

    /** Batches remembered per producer: the bound on a producer's unacknowledged batches per partition. */
    public static final int RETAINED_BATCHES = 32;

    private final Map<Long, ProducerEntry> producers = new HashMap<>();

    /** What this replica knows of {@code producerId}, empty when nothing. */
    public Optional<ProducerEntry> entry(long producerId) {
        return Optional.ofNullable(producers.get(producerId));
    }

    /** The base offset of each producer's last batch: what log compaction must keep so the sequences survive. */
    public Set<Long> lastBatchBaseOffsets() {
        Set<Long> offsets = new HashSet<>();
        for (ProducerEntry entry : producers.values()) {
            List<SequencedBatch> batches = entry.batches();
            if (!batches.isEmpty()) {
                offsets.add(batches.get(batches.size() - 1).baseOffset());
            }
        }
        return offsets;
    }

    /** Number of producers with state here. */
    public int size() {
        return producers.size();
    }

    /**
     * Forgets every producer whose last batch's max timestamp is {@code expirationMs} or more
     * before {@code nowMs}; such a producer is then treated like one never seen here.
     *
     * @return the number of producers forgotten
     */
    public int removeExpired(long nowMs, long expirationMs) {
        int before = producers.size();
        producers.values().removeIf(entry -> nowMs - entry.lastTimestamp() >= expirationMs);
        return before - producers.size();
    }

    /** Forgets every producer (before a rebuild from the log). */
    public void clear() {
        producers.clear();
    }

    /**
     * Decides whether a leader may append {@code batches} (in request order). Duplicates may only
     * lead the request: a retry resends a producer's batches in their original order, so an already
     * written batch after a new one cannot be a retry. Changes nothing; call {@link #onAppended}
     * for each batch once written.
     */
    public AppendCheck check(List<BatchIdentity> batches, boolean stateMayBeIncomplete) {
        Map<Long, BatchIdentity> lastNew = new HashMap<>();
        List<SequencedBatch> duplicates = new ArrayList<>();
        boolean sawNew = false;
        for (BatchIdentity batch : batches) {
            if (!batch.isIdempotent()) {
                sawNew = true;
                continue;
            }
            if (batch.firstSequence() < 0 || batch.producerEpoch() < 0) {
                return new AppendCheck.Rejected(ErrorCode.INVALID_REQUEST, "a batch of producer " + batch.producerId()
                        + " has epoch " + batch.producerEpoch() + " and first sequence " + batch.firstSequence()
                        + "; an idempotent producer's batches need an epoch and a sequence of 0 or more");
            }
            BatchIdentity previousInRequest = lastNew.get(batch.producerId());
            Optional<String> problem;
            if (previousInRequest != null) {
                problem = followsInRequest(previousInRequest, batch);
            } else {
                ProducerEntry entry = producers.get(batch.producerId());
                if (entry != null && batch.producerEpoch() < entry.epoch()) {
                    return new AppendCheck.Rejected(ErrorCode.INVALID_PRODUCER_EPOCH, "producer "
                            + batch.producerId() + " wrote with epoch " + batch.producerEpoch()
                            + " but epoch " + entry.epoch() + " is already in this partition; its newer incarnation fenced it");
                }
                Optional<SequencedBatch> duplicate = entry != null && batch.producerEpoch() == entry.epoch()
                        ? entry.find(batch.firstSequence(), batch.lastSequence()) : Optional.empty();
                if (duplicate.isPresent()) {
                    if (sawNew) {
                        return outOfOrder(batch, "it was already written, yet follows a new batch in the same request");
                    }
                    duplicates.add(duplicate.get());
                    continue;
                }
                problem = followsState(entry, batch, stateMayBeIncomplete);
            }
            if (problem.isPresent()) {
                return outOfOrder(batch, problem.get());
            }
            lastNew.put(batch.producerId(), batch);
            sawNew = true;
        }
        return new AppendCheck.Accepted(duplicates);
    }

    /**
     * Records a batch the log has taken, at any replica. Followers and rebuilds trust the log: the
     * leader checked the batch. A batch from an older epoch than the producer's known one changes
     * nothing; a newer epoch starts the producer afresh. Non-idempotent batches are ignored.
     *
     * @param maxTimestamp the batch header's max timestamp, from which the producer's expiry is measured
     */
    public void onAppended(BatchIdentity batch, long baseOffset, long lastOffset, long maxTimestamp) {
        if (!batch.isIdempotent() || batch.firstSequence() < 0) {
            return;
        }
        ProducerEntry entry = producers.get(batch.producerId());
        if (entry != null && batch.producerEpoch() < entry.epoch()) {
            return;
        }
        if (entry == null || batch.producerEpoch() > entry.epoch()) {
            entry = new ProducerEntry(batch.producerId(), batch.producerEpoch());
            producers.put(batch.producerId(), entry);
        }
        entry.add(new SequencedBatch(batch.firstSequence(), batch.lastSequence(), baseOffset, lastOffset), maxTimestamp);
    }

    private static Optional<String> followsInRequest(BatchIdentity previous, BatchIdentity batch) {
        if (batch.producerEpoch() != previous.producerEpoch()) {
            return Optional.of("it has epoch " + batch.producerEpoch() + " but the batch before it in the request has "
                    + previous.producerEpoch());
        }
        return expectSequence(nextSequence(previous.lastSequence()), batch);
    }

    private static Optional<String> followsState(ProducerEntry entry, BatchIdentity batch, boolean stateMayBeIncomplete) {
        if (entry == null) {
            return stateMayBeIncomplete ? Optional.empty() : expectSequence(0, batch);
        }
        if (batch.producerEpoch() > entry.epoch()) {
            return expectSequence(0, batch);
        }
        return expectSequence(nextSequence(entry.lastSequence()), batch);
    }

    private static Optional<String> expectSequence(int expected, BatchIdentity batch) {
        if (batch.firstSequence() == expected) {
            return Optional.empty();
        }
        return Optional.of("the partition expects sequence " + expected + " next");
    }

    private static int nextSequence(int sequence) {
        return RecordBatch.incrementSequence(sequence, 1);
    }

    private static AppendCheck.Rejected outOfOrder(BatchIdentity batch, String why) {
        return new AppendCheck.Rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE, "batch with sequences "
                + batch.firstSequence() + ".." + batch.lastSequence() + " of producer " + batch.producerId()
                + " (epoch " + batch.producerEpoch() + ") is out of order: " + why + "; nothing was appended");
    }
}
