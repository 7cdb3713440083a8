package io.wharf.replication.log;

import io.wharf.record.RecordBatch;
import io.wharf.replication.producer.BatchIdentity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The fixed 61-byte header of a batch stored at {@code position} of a segment file, read without
 * touching the records. Immutable.
 */
record FileBatchHeader(int position, long baseOffset, int size, int partitionLeaderEpoch, byte magic, long crc,
                       short attributes, int lastOffsetDelta, long maxTimestamp, long producerId, short producerEpoch,
                       int baseSequence, int recordCount) {

    long lastOffset() {
        return baseOffset + lastOffsetDelta;
    }

    long nextOffset() {
        return lastOffset() + 1;
    }

    /** The idempotent-producer fields of this batch. */
    BatchIdentity identity() {
        int lastSequence = baseSequence == RecordBatch.NO_SEQUENCE ? RecordBatch.NO_SEQUENCE
                : RecordBatch.incrementSequence(baseSequence, lastOffsetDelta);
        return new BatchIdentity(producerId, producerEpoch, baseSequence, lastSequence);
    }

    /**
     * Reads the header at {@code position} if a whole header and a plausible length fit before
     * {@code end}; returns null when fewer than {@link RecordBatch#HEADER_SIZE} bytes remain or
     * the length field is below the header size or runs past {@code end} (a torn or corrupt tail).
     *
     * @param scratch a buffer of at least {@link RecordBatch#HEADER_SIZE} bytes, reused by the caller
     */
    static FileBatchHeader read(FileChannel channel, int position, int end, ByteBuffer scratch) throws IOException {
        if (end - position < RecordBatch.HEADER_SIZE) {
            return null;
        }
        scratch.clear().limit(RecordBatch.HEADER_SIZE);
        long at = position;
        while (scratch.hasRemaining()) {
            int n = channel.read(scratch, at);
            if (n < 0) {
                return null;
            }
            at += n;
        }
        int batchLength = scratch.getInt(RecordBatch.LENGTH_OFFSET);
        long size = (long) batchLength + RecordBatch.LOG_OVERHEAD;
        if (size < RecordBatch.HEADER_SIZE || position + size > end) {
            return null;
        }
        return new FileBatchHeader(position, scratch.getLong(RecordBatch.BASE_OFFSET_OFFSET), (int) size,
                scratch.getInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET), scratch.get(RecordBatch.MAGIC_OFFSET),
                scratch.getInt(RecordBatch.CRC_OFFSET) & 0xFFFFFFFFL, scratch.getShort(RecordBatch.ATTRIBUTES_OFFSET),
                scratch.getInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET), scratch.getLong(RecordBatch.MAX_TIMESTAMP_OFFSET),
                scratch.getLong(RecordBatch.PRODUCER_ID_OFFSET), scratch.getShort(RecordBatch.PRODUCER_EPOCH_OFFSET),
                scratch.getInt(RecordBatch.BASE_SEQUENCE_OFFSET), scratch.getInt(RecordBatch.RECORD_COUNT_OFFSET));
    }

    /** A scratch buffer for {@link #read}. */
    static ByteBuffer scratch() {
        return ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
    }
}
