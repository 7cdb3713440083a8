package io.wharf.replication.log;

import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CorruptRecordException;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
import io.wharf.record.RecordKey;
import io.wharf.replication.producer.BatchIdentity;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The checks an append passes before anything is written: batch format and size, offset deltas,
 * producer ids, leader epochs, and for a follower that its batches continue the log. Each check
 * throws the exception its caller answers with; none changes anything. Stateless.
 */
final class AppendValidator {
    private AppendValidator() {
    }

    /**
     * Parses and checks every batch in {@code batches} (its remaining bytes): framing, magic, CRC,
     * {@code max.message.bytes}, and offset deltas (0..count-1 from a producer, never negative from
     * a leader).
     *
     * @throws CorruptRecordException if a batch breaks the format
     * @throws RecordTooLargeException if a batch exceeds max.message.bytes
     * @throws InvalidAppendException if there is no batch or the offset deltas are wrong
     */
    static List<RecordBatch> validate(ByteBuffer batches, boolean fromProducer, LogConfig config) {
        List<RecordBatch> parsed = RecordBatches.validateAll(batches);
        if (parsed.isEmpty()) {
            throw new InvalidAppendException(ErrorCode.INVALID_REQUEST, "an append needs at least one batch; got 0 bytes");
        }
        for (RecordBatch batch : parsed) {
            if (batch.sizeInBytes() > config.maxMessageBytes()) {
                throw new RecordTooLargeException(batch.sizeInBytes(), config.maxMessageBytes());
            }
            if (fromProducer && (batch.recordCount() == 0 || batch.lastOffsetDelta() != batch.recordCount() - 1)) {
                throw new InvalidAppendException(ErrorCode.CORRUPT_RECORD, "a producer batch must hold records with offset deltas 0.."
                        + "count-1, but it has " + batch.recordCount() + " records and last offset delta " + batch.lastOffsetDelta());
            }
            if (fromProducer && config.cleanupPolicy().compacts() && !batch.isControl()) {
                requireKeys(batch);
            }
            if (!fromProducer && batch.lastOffsetDelta() < 0) {
                throw new InvalidAppendException(ErrorCode.CORRUPT_RECORD, "batch at offset " + batch.baseOffset()
                        + " has a negative last offset delta " + batch.lastOffsetDelta());
            }
        }
        return parsed;
    }

    /** @throws InvalidAppendException (INVALID_RECORD) if a record has no key: compaction keeps the latest record per key */
    private static void requireKeys(RecordBatch batch) {
        // keys only: on the produce path, values need not be copied out to be checked
        List<RecordKey> records = batch.recordKeys();
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).key() == null) {
                throw new InvalidAppendException(ErrorCode.INVALID_RECORD, "record " + i + " of a batch of "
                        + records.size() + " has no key, but this topic's cleanup.policy compacts it, which keeps the"
                        + " latest record of each key: give every record a key, or use a topic with cleanup.policy=delete");
            }
        }
    }

    /**
     * The producer fields of each batch.
     *
     * @throws InvalidAppendException (UNKNOWN_PRODUCER_ID) if a batch names a producer id at or
     *     above {@code producerIdLimit}, which was never allocated
     */
    static List<BatchIdentity> identities(List<RecordBatch> parsed, long producerIdLimit) {
        List<BatchIdentity> identities = new ArrayList<>(parsed.size());
        for (RecordBatch batch : parsed) {
            BatchIdentity identity = BatchIdentity.of(batch);
            if (identity.isIdempotent() && identity.producerId() >= producerIdLimit) {
                throw new InvalidAppendException(ErrorCode.UNKNOWN_PRODUCER_ID, "producer id " + identity.producerId()
                        + " was not allocated by this cluster (ids below " + producerIdLimit + " are known here);"
                        + " get one with InitProducerId");
            }
            identities.add(identity);
        }
        return identities;
    }

    /** @throws InvalidAppendException (FENCED_LEADER_EPOCH) if {@code leaderEpoch} is older than the log's latest */
    static void checkLeaderEpoch(int leaderEpoch, OptionalInt latestInLog) {
        if (latestInLog.isPresent() && leaderEpoch < latestInLog.getAsInt()) {
            throw new InvalidAppendException(ErrorCode.FENCED_LEADER_EPOCH, "leader epoch " + leaderEpoch
                    + " is older than epoch " + latestInLog.getAsInt() + " already in this log");
        }
    }

    /** @throws InvalidAppendException (INVALID_REQUEST) unless the batches start at {@code logEndOffset} and follow each other */
    static void checkContinues(List<RecordBatch> parsed, long logEndOffset) {
        long expected = logEndOffset;
        for (RecordBatch batch : parsed) {
            if (batch.baseOffset() != expected) {
                throw new InvalidAppendException(ErrorCode.INVALID_REQUEST, "follower batch starts at offset "
                        + batch.baseOffset() + " but the log continues at " + expected
                        + "; truncate or fetch from " + logEndOffset);
            }
            expected = batch.nextOffset();
        }
    }
}
