package io.wharf.record;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A view over one Kafka v2 record batch held in a ByteBuffer (big-endian, starting at index 0 of
 * the view). Header fields are read in place; {@link #setBaseOffset} and
 * {@link #setPartitionLeaderEpoch} write in place and leave the CRC valid because the CRC covers
 * only attributes..end. Not thread-safe for writes; concurrent reads of an unchanging batch are
 * safe.
 *
 * <p>Layout (offsets in bytes): baseOffset int64 @0, batchLength int32 @8 (bytes after this
 * field), partitionLeaderEpoch int32 @12, magic int8 @16, crc uint32 @17, attributes int16 @21,
 * lastOffsetDelta int32 @23, baseTimestamp int64 @27, maxTimestamp int64 @35, producerId int64
 * @43, producerEpoch int16 @51, baseSequence int32 @53, recordCount int32 @57, records @61.
 */
public final class RecordBatch {
    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int LENGTH_OFFSET = 8;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORD_COUNT_OFFSET = 57;
    public static final int RECORDS_OFFSET = 61;
    /** Size of the batch header, i.e. of a batch with no records. */
    public static final int HEADER_SIZE = RECORDS_OFFSET;
    /** Bytes before the part counted by batchLength (baseOffset + batchLength). */
    public static final int LOG_OVERHEAD = 12;
    public static final byte MAGIC = 2;

    /** Value for producerId / epoch / sequence / partitionLeaderEpoch when not set. */
    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;
    public static final long NO_TIMESTAMP = -1L;

    static final int COMPRESSION_MASK = 0x07;
    static final int TIMESTAMP_TYPE_MASK = 0x08;
    static final int TRANSACTIONAL_MASK = 0x10;
    static final int CONTROL_MASK = 0x20;

    private final ByteBuffer buffer;

    private RecordBatch(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    /**
     * Reads and fully validates the batch starting at {@code source.position()}: length within
     * the buffer, magic 2, non-negative record count, known codec and CRC. On success the
     * source's position moves past the batch and the returned view shares its bytes.
     *
     * @throws CorruptRecordException naming the broken rule; the source position is unchanged
     */
    public static RecordBatch readFrom(ByteBuffer source) {
        RecordBatch batch = readUnverified(source);
        batch.ensureValid();
        source.position(source.position() + batch.sizeInBytes());
        return batch;
    }

    /**
     * Frames the batch at {@code source.position()} and checks its header (length, magic, record
     * count, codec) but not its CRC; the source position is not moved. Used where the CRC is
     * checked separately or was checked before.
     *
     * @throws CorruptRecordException naming the broken rule
     */
    public static RecordBatch readUnverified(ByteBuffer source) {
        int start = source.position();
        int available = source.limit() - start;
        if (available < LOG_OVERHEAD) {
            throw new CorruptRecordException(CorruptRecordException.Problem.TRUNCATED,
                    "only " + available + " bytes left, a batch needs at least " + HEADER_SIZE);
        }
        ByteBuffer view = source.duplicate().order(ByteOrder.BIG_ENDIAN);
        int batchLength = view.getInt(start + LENGTH_OFFSET);
        if (batchLength < HEADER_SIZE - LOG_OVERHEAD) {
            throw new CorruptRecordException(CorruptRecordException.Problem.INVALID_LENGTH,
                    "batchLength " + batchLength + " is smaller than the batch header ("
                            + (HEADER_SIZE - LOG_OVERHEAD) + ")");
        }
        long size = (long) batchLength + LOG_OVERHEAD;
        if (size > available) {
            throw new CorruptRecordException(CorruptRecordException.Problem.TRUNCATED,
                    "batchLength " + batchLength + " runs past the buffer: the batch needs " + size
                            + " bytes but only " + available + " remain");
        }
        view.position(start).limit(start + (int) size);
        RecordBatch batch = new RecordBatch(view.slice().order(ByteOrder.BIG_ENDIAN));
        batch.checkHeader();
        return batch;
    }

    /** Wraps a buffer whose remaining bytes are exactly one batch; checks the header like {@link #readUnverified}. */
    public static RecordBatch wrap(ByteBuffer exactBatch) {
        RecordBatch batch = readUnverified(exactBatch);
        if (batch.sizeInBytes() != exactBatch.remaining()) {
            throw new CorruptRecordException(CorruptRecordException.Problem.INVALID_LENGTH,
                    "buffer holds " + exactBatch.remaining() + " bytes but the batch is " + batch.sizeInBytes());
        }
        return batch;
    }

    private void checkHeader() {
        byte magic = magic();
        if (magic != MAGIC) {
            throw new CorruptRecordException(CorruptRecordException.Problem.UNSUPPORTED_MAGIC,
                    "magic byte is " + magic + ", only record batch format v2 (magic 2) is supported");
        }
        int count = recordCount();
        if (count < 0) {
            throw new CorruptRecordException(CorruptRecordException.Problem.INVALID_RECORD_COUNT,
                    "record count is negative: " + count);
        }
        CompressionType.forId(buffer.getShort(ATTRIBUTES_OFFSET) & COMPRESSION_MASK);
    }

    /** The batch's bytes: a duplicate positioned at 0 with limit {@link #sizeInBytes()}. */
    public ByteBuffer buffer() {
        return buffer.duplicate().order(ByteOrder.BIG_ENDIAN);
    }

    public int sizeInBytes() {
        return buffer.limit();
    }

    public long baseOffset() {
        return buffer.getLong(BASE_OFFSET_OFFSET);
    }

    /** Stamps the first offset in place; the CRC stays valid. */
    public void setBaseOffset(long baseOffset) {
        buffer.putLong(BASE_OFFSET_OFFSET, baseOffset);
    }

    public int batchLength() {
        return buffer.getInt(LENGTH_OFFSET);
    }

    public int partitionLeaderEpoch() {
        return buffer.getInt(PARTITION_LEADER_EPOCH_OFFSET);
    }

    /** Stamps the leader epoch in place; the CRC stays valid. */
    public void setPartitionLeaderEpoch(int epoch) {
        buffer.putInt(PARTITION_LEADER_EPOCH_OFFSET, epoch);
    }

    public byte magic() {
        return buffer.get(MAGIC_OFFSET);
    }

    /** The stored CRC-32C as an unsigned value. */
    public long checksum() {
        return buffer.getInt(CRC_OFFSET) & 0xFFFFFFFFL;
    }

    /** CRC-32C of attributes..end, as it should be stored. */
    public long computeChecksum() {
        CRC32C crc = new CRC32C();
        ByteBuffer covered = buffer.duplicate();
        covered.position(ATTRIBUTES_OFFSET);
        crc.update(covered);
        return crc.getValue();
    }

    public boolean isValid() {
        return checksum() == computeChecksum();
    }

    /** @throws CorruptRecordException with {@link CorruptRecordException.Problem#CRC_MISMATCH} */
    public void ensureValid() {
        long stored = checksum();
        long computed = computeChecksum();
        if (stored != computed) {
            throw new CorruptRecordException(CorruptRecordException.Problem.CRC_MISMATCH,
                    "batch at base offset " + baseOffset() + " has stored CRC " + Long.toHexString(stored)
                            + " but its bytes hash to " + Long.toHexString(computed));
        }
    }

    public short attributes() {
        return buffer.getShort(ATTRIBUTES_OFFSET);
    }

    public CompressionType compressionType() {
        return CompressionType.forId(attributes() & COMPRESSION_MASK);
    }

    public TimestampType timestampType() {
        return (attributes() & TIMESTAMP_TYPE_MASK) == 0 ? TimestampType.CREATE_TIME : TimestampType.LOG_APPEND_TIME;
    }

    public boolean isTransactional() {
        return (attributes() & TRANSACTIONAL_MASK) != 0;
    }

    public boolean isControl() {
        return (attributes() & CONTROL_MASK) != 0;
    }

    public int lastOffsetDelta() {
        return buffer.getInt(LAST_OFFSET_DELTA_OFFSET);
    }

    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    /** The offset just past this batch. */
    public long nextOffset() {
        return lastOffset() + 1;
    }

    public long baseTimestamp() {
        return buffer.getLong(BASE_TIMESTAMP_OFFSET);
    }

    public long maxTimestamp() {
        return buffer.getLong(MAX_TIMESTAMP_OFFSET);
    }

    public long producerId() {
        return buffer.getLong(PRODUCER_ID_OFFSET);
    }

    public short producerEpoch() {
        return buffer.getShort(PRODUCER_EPOCH_OFFSET);
    }

    public int baseSequence() {
        return buffer.getInt(BASE_SEQUENCE_OFFSET);
    }

    /** The sequence of the last record ({@link #NO_SEQUENCE} without one); sequences wrap from Integer.MAX_VALUE to 0. */
    public int lastSequence() {
        int base = baseSequence();
        return base == NO_SEQUENCE ? NO_SEQUENCE : incrementSequence(base, lastOffsetDelta());
    }

    /**
     * Rewrites the idempotent-producer identity and first sequence in place and recomputes the
     * CRC, which covers these fields (a producer re-sequencing a batch it has not sent yet).
     */
    public void setProducer(long id, short epoch, int firstSequence) {
        buffer.putLong(PRODUCER_ID_OFFSET, id);
        buffer.putShort(PRODUCER_EPOCH_OFFSET, epoch);
        buffer.putInt(BASE_SEQUENCE_OFFSET, firstSequence);
        buffer.putInt(CRC_OFFSET, (int) computeChecksum());
    }

    /** {@code sequence + increment} as Kafka counts producer sequences: past Integer.MAX_VALUE it wraps to 0. */
    public static int incrementSequence(int sequence, int increment) {
        if (sequence > Integer.MAX_VALUE - increment) {
            return increment - (Integer.MAX_VALUE - sequence) - 1;
        }
        return sequence + increment;
    }

    public int recordCount() {
        return buffer.getInt(RECORD_COUNT_OFFSET);
    }

    /**
     * Decodes every record (decompressing if needed) with absolute offsets and timestamps.
     *
     * @throws CorruptRecordException if the records section does not decode to exactly
     *     {@link #recordCount()} well-formed records
     */
    public List<Record> records() {
        ByteBuffer plain = plainRecords();
        int count = recordCount();
        List<Record> records = new ArrayList<>(Math.min(count, 1 << 16));
        long baseOffset = baseOffset();
        long baseTimestamp = baseTimestamp();
        boolean logAppendTime = timestampType() == TimestampType.LOG_APPEND_TIME;
        for (int i = 0; i < count; i++) {
            records.add(readRecord(plain, baseOffset, logAppendTime ? maxTimestamp() : baseTimestamp, logAppendTime));
        }
        requireFullyRead(plain, count);
        return Collections.unmodifiableList(records);
    }

    /**
     * Decodes every record's offset, timestamp, key and whether its value is null, skipping over
     * values and headers without copying them: what compaction reads of every record, cheaper
     * than {@link #records()} when values are large.
     *
     * @throws CorruptRecordException if the records section does not decode to exactly
     *     {@link #recordCount()} well-formed records
     */
    public List<RecordKey> recordKeys() {
        ByteBuffer plain = plainRecords();
        int count = recordCount();
        List<RecordKey> keys = new ArrayList<>(Math.min(count, 1 << 16));
        long baseOffset = baseOffset();
        boolean logAppendTime = timestampType() == TimestampType.LOG_APPEND_TIME;
        long timestampBase = logAppendTime ? maxTimestamp() : baseTimestamp();
        for (int i = 0; i < count; i++) {
            ByteBuffer body = recordBody(plain);
            long timestampDelta = Varints.readVarlong(body);
            int offsetDelta = Varints.readVarint(body);
            byte[] key = readBytes(body, "key");
            int valueLength = Varints.readVarint(body);
            if (valueLength < -1 || valueLength > body.remaining()) {
                throw new CorruptRecordException(CorruptRecordException.Problem.MALFORMED_RECORDS,
                        "value length " + valueLength + " is invalid with " + body.remaining()
                                + " bytes left in the record");
            }
            keys.add(new RecordKey(baseOffset + offsetDelta,
                    logAppendTime ? timestampBase : timestampBase + timestampDelta, key, valueLength == -1));
        }
        requireFullyRead(plain, count);
        return keys;
    }

    /** The records section, decompressed if need be, positioned at its start. */
    private ByteBuffer plainRecords() {
        ByteBuffer section = buffer.duplicate();
        section.position(RECORDS_OFFSET);
        CompressionType compression = compressionType();
        return compression == CompressionType.NONE
                ? section.slice()
                : ByteBuffer.wrap(compression.decompress(section.slice()));
    }

    private static void requireFullyRead(ByteBuffer plain, int count) {
        if (plain.hasRemaining()) {
            throw new CorruptRecordException(CorruptRecordException.Problem.INVALID_RECORD_COUNT,
                    "record count is " + count + " but " + plain.remaining() + " bytes follow the last record");
        }
    }

    /**
     * The body of the record at {@code in}'s position, after its length and attributes byte, as a
     * buffer ending with the record; moves {@code in} past the record.
     */
    private static ByteBuffer recordBody(ByteBuffer in) {
        int length = Varints.readVarint(in);
        if (length < 0 || length > in.remaining()) {
            throw new CorruptRecordException(CorruptRecordException.Problem.MALFORMED_RECORDS,
                    "record length " + length + " is negative or runs past the records section ("
                            + in.remaining() + " bytes left)");
        }
        int end = in.position() + length;
        ByteBuffer body = in.duplicate();
        body.limit(end);
        body.get(); // record attributes: unused in v2
        in.position(end);
        return body;
    }

    private static Record readRecord(ByteBuffer in, long baseOffset, long timestampBase, boolean fixedTimestamp) {
        ByteBuffer body = recordBody(in);
        long timestampDelta = Varints.readVarlong(body);
        int offsetDelta = Varints.readVarint(body);
        byte[] key = readBytes(body, "key");
        byte[] value = readBytes(body, "value");
        int headerCount = Varints.readVarint(body);
        if (headerCount < 0) {
            throw new CorruptRecordException(CorruptRecordException.Problem.MALFORMED_RECORDS,
                    "header count is negative: " + headerCount);
        }
        List<Header> headers = new ArrayList<>(Math.min(headerCount, 64));
        for (int h = 0; h < headerCount; h++) {
            byte[] headerKey = readBytes(body, "header key");
            if (headerKey == null) {
                throw new CorruptRecordException(CorruptRecordException.Problem.MALFORMED_RECORDS,
                        "header key length is -1; header keys must not be null");
            }
            headers.add(new Header(new String(headerKey, StandardCharsets.UTF_8), readBytes(body, "header value")));
        }
        if (body.hasRemaining()) {
            throw new CorruptRecordException(CorruptRecordException.Problem.MALFORMED_RECORDS,
                    "a record leaves " + body.remaining() + " unread bytes after its headers");
        }
        long timestamp = fixedTimestamp ? timestampBase : timestampBase + timestampDelta;
        return new Record(baseOffset + offsetDelta, timestamp, key, value, headers);
    }

    private static byte[] readBytes(ByteBuffer in, String what) {
        int length = Varints.readVarint(in);
        if (length == -1) {
            return null;
        }
        if (length < -1 || length > in.remaining()) {
            throw new CorruptRecordException(CorruptRecordException.Problem.MALFORMED_RECORDS,
                    what + " length " + length + " is invalid with " + in.remaining() + " bytes left in the record");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return "RecordBatch(baseOffset=" + baseOffset() + ", lastOffset=" + lastOffset() + ", count=" + recordCount()
                + ", size=" + sizeInBytes() + ", epoch=" + partitionLeaderEpoch() + ", " + compressionType() + ")";
    }
}
