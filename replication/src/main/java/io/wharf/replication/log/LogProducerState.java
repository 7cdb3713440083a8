package io.wharf.replication.log;

import io.wharf.replication.producer.AppendCheck;
import io.wharf.replication.producer.BatchIdentity;
import io.wharf.replication.producer.ProducerStateTable;
import io.wharf.replication.producer.SequencedBatch;
import java.io.IOException;
import java.util.List;

/**
 * Keeps a log's {@link ProducerStateTable} in step with its batches: consulted before a leader
 * append, told of every batch appended (as leader or follower), and rebuilt from the batch headers
 * of the whole log when the log opens and after a truncation (headers only, no records are read).
 * Not thread-safe: the {@link Log} guards it with its append lock.
 */
final class LogProducerState {
    private final ProducerStateTable table = new ProducerStateTable();

    /**
     * The leading batches of a leader append that their producers wrote before (retries), which
     * are answered with their original offsets instead of being written again.
     *
     * @param stateMayBeIncomplete records were removed from the log start, maybe with some
     *     producers' earlier batches
     * @throws InvalidAppendException if a producer's sequence or epoch does not continue what the
     *     log holds; nothing may be appended then
     */
    List<SequencedBatch> leadingDuplicates(List<BatchIdentity> identities, boolean stateMayBeIncomplete) {
        AppendCheck check = table.check(identities, stateMayBeIncomplete);
        if (check instanceof AppendCheck.Rejected rejected) {
            throw new InvalidAppendException(rejected.code(), rejected.message());
        }
        return ((AppendCheck.Accepted) check).duplicates();
    }

    /** The log took a batch of {@code identity}'s producer at these offsets, with this max timestamp. */
    void appended(BatchIdentity identity, long baseOffset, long lastOffset, long maxTimestamp) {
        table.onAppended(identity, baseOffset, lastOffset, maxTimestamp);
    }

    /** Forgets the producers whose last batch is {@code expirationMs} or more older than {@code nowMs}. */
    int removeExpired(long nowMs, long expirationMs) {
        return table.removeExpired(nowMs, expirationMs);
    }

    /** Forgets every producer and replays the header of every batch in {@code segments}, oldest first. */
    void rebuild(SegmentSet segments) throws IOException {
        table.clear();
        segments.forEachBatchHeader(header -> table.onAppended(header.identity(), header.baseOffset(),
                header.lastOffset(), header.maxTimestamp()));
    }

    /** Forgets every producer: nothing of theirs is left in the log. */
    void clear() {
        table.clear();
    }

    /** The table itself, for inspection. */
    ProducerStateTable table() {
        return table;
    }
}
