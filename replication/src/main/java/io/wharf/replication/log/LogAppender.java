package io.wharf.replication.log;

import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordBatches;
import io.wharf.replication.producer.BatchIdentity;
import io.wharf.replication.producer.SequencedBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns validated batches into an append: as leader it answers producers' retries with their
 * original offsets, stamps offsets and the leader epoch on the rest and writes them; as follower
 * it writes the leader's batches as they are. Either way the leader-epoch history and the producer
 * state learn of what was written. An append refused by a full disk before anything of it reached
 * the log leaves the log as it was. Not thread-safe: the {@link Log} calls it under its append lock.
 */
final class LogAppender {
    private final Path dir;
    private final SegmentSet segments;
    private final LeaderEpochCache epochCache;
    private final LogProducerState producers;
    private final LogStart logStart;
    private final Clock clock;

    LogAppender(Path dir, SegmentSet segments, LeaderEpochCache epochCache, LogProducerState producers,
                LogStart logStart, Clock clock) {
        this.dir = dir;
        this.segments = segments;
        this.epochCache = epochCache;
        this.producers = producers;
        this.logStart = logStart;
        this.clock = clock;
    }

    /**
     * Appends a producer's batches, {@code parsed} from {@code batches}, whose offsets it stamps
     * in place.
     *
     * @throws InvalidAppendException if the epoch is older than the log's latest, or a producer's
     *     sequence or epoch does not continue what this log holds; nothing is appended then
     * @throws LogDirectoryFullException if a full disk refused the append; nothing is appended then
     */
    LogAppendInfo asLeader(ByteBuffer batches, List<RecordBatch> parsed, List<BatchIdentity> identities,
                           int leaderEpoch, LogConfig config) throws IOException {
        return wholeOrNothingWhenFull(() -> {
            AppendValidator.checkLeaderEpoch(leaderEpoch, epochCache.latestEpoch());
            List<SequencedBatch> duplicates = producers.leadingDuplicates(identities, logStart.mayHaveRemovedRecords());
            return duplicates.size() == parsed.size()
                    ? duplicatesOnly(duplicates)
                    : writeAfterDuplicates(batches, parsed, identities, duplicates, leaderEpoch, config);
        });
    }

    /**
     * Runs {@code append} so that a full disk that refused it before anything of it reached the
     * log ({@link LogDirectoryFullException}: the segment write rolled back by the segments, or the
     * leader-epoch checkpoint, whose cache rolled back) leaves the log as before, and is thrown as
     * a {@link LogDirectoryFullException}. Any other storage fault is thrown as it is.
     */
    private LogAppendInfo wholeOrNothingWhenFull(OfflineSwitch.StorageCall<LogAppendInfo> append) throws IOException {
        long logEnd = segments.logEndOffset();
        try {
            return append.call();
        } catch (LogDirectoryFullException e) {
            throw withoutEpochsPast(logEnd, e);
        } catch (LogStorageException e) {
            if (!LogDirectoryFullException.isNoSpace(e) || segments.logEndOffset() != logEnd) {
                throw e;
            }
            throw withoutEpochsPast(logEnd,
                    new LogDirectoryFullException(dir, "the leader-epoch checkpoint of an append", e));
        }
    }

    /**
     * Drops the epoch a refused append assigned (it starts at the unchanged log end, with no batch
     * in it), so that the log is as before the append. If the checkpoint cannot be rewritten (the
     * disk is still full) the file keeps that entry, which the next open drops as past the log end.
     */
    private LogDirectoryFullException withoutEpochsPast(long logEnd, LogDirectoryFullException full) {
        try {
            epochCache.truncateFromEnd(logEnd);
        } catch (LogStorageException persist) {
            full.addSuppressed(persist);
        }
        return full;
    }

    private static LogAppendInfo duplicatesOnly(List<SequencedBatch> duplicates) {
        List<Long> bases = duplicates.stream().map(SequencedBatch::baseOffset).toList();
        long last = duplicates.stream().mapToLong(SequencedBatch::lastOffset).max().orElseThrow();
        return new LogAppendInfo(bases.get(0), last, duplicates.size(), 0, false, bases, duplicates.size());
    }

    private LogAppendInfo writeAfterDuplicates(ByteBuffer batches, List<RecordBatch> parsed,
                                               List<BatchIdentity> identities, List<SequencedBatch> duplicates,
                                               int leaderEpoch, LogConfig config) throws IOException {
        int skip = duplicates.size();
        ByteBuffer fresh = batches.duplicate();
        for (int i = 0; i < skip; i++) {
            fresh.position(fresh.position() + parsed.get(i).sizeInBytes());
        }
        List<RecordBatch> written = parsed.subList(skip, parsed.size());
        long logEnd = segments.logEndOffset();
        long offset = logEnd;
        for (RecordBatch batch : written) {
            batch.setBaseOffset(offset);
            batch.setPartitionLeaderEpoch(leaderEpoch);
            offset = batch.nextOffset();
        }
        epochCache.assign(leaderEpoch, logEnd);
        LogAppendInfo appended = segments.append(fresh, written, config, clock.millis());
        List<Long> bases = new ArrayList<>(parsed.size());
        duplicates.forEach(d -> bases.add(d.baseOffset()));
        for (int i = skip; i < parsed.size(); i++) {
            RecordBatch batch = parsed.get(i);
            producers.appended(identities.get(i), batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp());
            bases.add(batch.baseOffset());
        }
        return new LogAppendInfo(bases.get(0), appended.lastOffset(), parsed.size(), appended.sizeInBytes(), false,
                bases, skip);
    }

    /** An empty batch without a producer: what compaction leaves over batches it removed whole. */
    private static boolean isFiller(RecordBatch batch) {
        return batch.recordCount() == 0 && batch.producerId() < 0 && !batch.isControl();
    }

    /**
     * Appends the leader's batches, {@code parsed} from {@code batches}, keeping their offsets and
     * epochs.
     *
     * @throws InvalidAppendException if the offsets do not continue the log; nothing is appended then
     * @throws LogDirectoryFullException if a full disk refused the append; nothing is appended then
     */
    LogAppendInfo asFollower(ByteBuffer batches, List<RecordBatch> parsed, LogConfig config) throws IOException {
        return wholeOrNothingWhenFull(() -> appendFollowing(batches, parsed, config));
    }

    private LogAppendInfo appendFollowing(ByteBuffer batches, List<RecordBatch> parsed, LogConfig config)
            throws IOException {
        long logEnd = segments.logEndOffset();
        RecordBatch first = parsed.get(0);
        if (isFiller(first) && first.baseOffset() < logEnd && first.lastOffset() >= logEnd) {
            // The leader's compaction merged removed batches into a filler reaching below our log end
            // (we lagged behind its high watermark): it holds no records, so it may start where we end.
            ByteBuffer trimmed = ByteBuffer.allocate(batches.remaining());
            trimmed.put(RecordBatchBuilder.filler(logEnd, first.lastOffset(), first.partitionLeaderEpoch()));
            trimmed.put(batches.duplicate().position(batches.position() + first.sizeInBytes()));
            batches = trimmed.flip();
            parsed = RecordBatches.validateAll(batches.duplicate());
        }
        AppendValidator.checkContinues(parsed, logEnd);
        for (RecordBatch batch : parsed) {
            if (batch.partitionLeaderEpoch() >= 0) {
                epochCache.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
            }
        }
        LogAppendInfo info = segments.append(batches, parsed, config, clock.millis());
        for (RecordBatch batch : parsed) {
            producers.appended(BatchIdentity.of(batch), batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp());
        }
        return info;
    }
}
