package io.wharf.record;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Encodes records into one Kafka v2 batch. Fill it with {@link #append} then call
 * {@link #build()} once. Single-threaded; owned by whoever builds the batch (the producer's
 * accumulator, a test).
 */
public final class RecordBatchBuilder {
    private final CompressionType compression;
    private TimestampType timestampType = TimestampType.CREATE_TIME;
    private long baseOffset;
    private int partitionLeaderEpoch = RecordBatch.NO_PARTITION_LEADER_EPOCH;
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    private int baseSequence = RecordBatch.NO_SEQUENCE;
    private boolean transactional;
    private boolean control;

    private ByteBuffer records = ByteBuffer.allocate(1024);
    private int count;
    private long baseTimestamp = RecordBatch.NO_TIMESTAMP;
    private long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    /** Set when rewriting a batch: its last offset delta, kept whatever records remain. */
    private int retainedLastOffsetDelta = -1;
    private boolean built;

    public RecordBatchBuilder(CompressionType compression) {
        this.compression = Objects.requireNonNull(compression, "compression");
    }

    public RecordBatchBuilder timestampType(TimestampType type) {
        this.timestampType = Objects.requireNonNull(type, "timestampType");
        return this;
    }

    /** The first offset (0 from producers; the broker stamps the real one). */
    public RecordBatchBuilder baseOffset(long offset) {
        this.baseOffset = offset;
        return this;
    }

    public RecordBatchBuilder partitionLeaderEpoch(int epoch) {
        this.partitionLeaderEpoch = epoch;
        return this;
    }

    /** Idempotent-producer identity and the sequence number of the first record. */
    public RecordBatchBuilder producer(long id, short epoch, int firstSequence) {
        this.producerId = id;
        this.producerEpoch = epoch;
        this.baseSequence = firstSequence;
        return this;
    }

    public RecordBatchBuilder transactional(boolean value) {
        this.transactional = value;
        return this;
    }

    public RecordBatchBuilder control(boolean value) {
        this.control = value;
        return this;
    }

    /** Appends a record without headers. */
    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value) {
        return append(timestamp, key, value, List.of());
    }

    /**
     * Appends a record; its offset is the next in the batch.
     *
     * @param timestamp milliseconds since the epoch, or {@link RecordBatch#NO_TIMESTAMP}
     * @param key nullable key
     * @param value nullable value
     * @param headers headers in order (keys non-null, values nullable)
     */
    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        if (built) {
            throw new IllegalStateException("batch already built; start a new builder");
        }
        if (count == 0) {
            baseTimestamp = timestamp;
        }
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        appendRecord(timestamp - baseTimestamp, count, key, value, headers);
        return this;
    }

    /**
     * The batch {@code original} holding only {@code kept}, a subset of its records in order, as
     * log compaction rewrites it: base offset, last offset delta, timestamps, leader epoch,
     * attributes and producer fields stay those of {@code original}, so the batch still spans its
     * offsets and its producer's sequences; each record keeps its offset and timestamp. With no
     * record kept the batch is empty and uncompressed (its header alone carries a producer's last
     * sequence).
     *
     * @return a heap buffer positioned at 0 holding exactly the batch
     */
    public static ByteBuffer retaining(RecordBatch original, List<Record> kept) {
        RecordBatchBuilder builder = new RecordBatchBuilder(kept.isEmpty() ? CompressionType.NONE
                : original.compressionType());
        builder.timestampType = original.timestampType();
        builder.baseOffset = original.baseOffset();
        builder.partitionLeaderEpoch = original.partitionLeaderEpoch();
        builder.producerId = original.producerId();
        builder.producerEpoch = original.producerEpoch();
        builder.baseSequence = original.baseSequence();
        builder.transactional = original.isTransactional();
        builder.control = original.isControl();
        builder.baseTimestamp = original.baseTimestamp();
        builder.maxTimestamp = original.maxTimestamp();
        builder.retainedLastOffsetDelta = original.lastOffsetDelta();
        boolean createTime = original.timestampType() == TimestampType.CREATE_TIME;
        for (Record record : kept) {
            builder.appendRecord(createTime ? record.timestamp() - original.baseTimestamp() : 0,
                    Math.toIntExact(record.offset() - original.baseOffset()), record.key(), record.value(),
                    record.headers());
        }
        return builder.build();
    }

    /**
     * An empty batch spanning offsets {@code baseOffset}..{@code lastOffset}: what log compaction
     * leaves where it removed whole batches, so offsets stay contiguous batch to batch (a reader
     * skips it to {@code lastOffset + 1}). It has no producer and no timestamp.
     *
     * @throws IllegalArgumentException if the span is empty or wider than an int
     */
    public static ByteBuffer filler(long baseOffset, long lastOffset, int partitionLeaderEpoch) {
        long span = lastOffset - baseOffset;
        if (span < 0 || span > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a filler batch spans 1 to 2^31 offsets, not " + baseOffset + ".."
                    + lastOffset);
        }
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        builder.baseOffset = baseOffset;
        builder.partitionLeaderEpoch = partitionLeaderEpoch;
        builder.retainedLastOffsetDelta = (int) span;
        return builder.build();
    }

    private void appendRecord(long timestampDelta, int offsetDelta, byte[] key, byte[] value, List<Header> headers) {
        byte[][] headerKeys = new byte[headers.size()][];
        int bodySize = 1 + Varints.sizeOfVarlong(timestampDelta) + Varints.sizeOfVarint(offsetDelta)
                + sizeOfBytes(key) + sizeOfBytes(value) + Varints.sizeOfVarint(headers.size());
        for (int i = 0; i < headerKeys.length; i++) {
            Header header = headers.get(i);
            headerKeys[i] = header.key().getBytes(StandardCharsets.UTF_8);
            bodySize += sizeOfBytes(headerKeys[i]) + sizeOfBytes(header.valueUnsafe());
        }
        ensureCapacity(Varints.sizeOfVarint(bodySize) + bodySize);
        Varints.writeVarint(bodySize, records);
        records.put((byte) 0);
        Varints.writeVarlong(timestampDelta, records);
        Varints.writeVarint(offsetDelta, records);
        writeBytes(key);
        writeBytes(value);
        Varints.writeVarint(headers.size(), records);
        for (int i = 0; i < headerKeys.length; i++) {
            writeBytes(headerKeys[i]);
            writeBytes(headers.get(i).valueUnsafe());
        }
        count++;
    }

    /** Records appended so far. */
    public int recordCount() {
        return count;
    }

    /** Uncompressed size the batch would have now; lets a producer stop at its batch size. */
    public int estimatedSizeInBytes() {
        return RecordBatch.HEADER_SIZE + records.position();
    }

    /**
     * Encodes the batch: header, compressed records section, CRC-32C.
     *
     * @return a heap buffer positioned at 0 holding exactly the batch
     * @throws IllegalStateException if no record was appended or build was already called
     */
    public ByteBuffer build() {
        if (built) {
            throw new IllegalStateException("batch already built");
        }
        if (count == 0 && retainedLastOffsetDelta < 0) {
            throw new IllegalStateException("a batch needs at least one record");
        }
        built = true;
        byte[] section;
        int sectionLength;
        if (compression == CompressionType.NONE) {
            section = records.array();
            sectionLength = records.position();
        } else {
            section = compression.compress(records.array(), 0, records.position());
            sectionLength = section.length;
        }
        ByteBuffer out = ByteBuffer.allocate(RecordBatch.HEADER_SIZE + sectionLength).order(ByteOrder.BIG_ENDIAN);
        out.putLong(baseOffset);
        out.putInt(RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD + sectionLength);
        out.putInt(partitionLeaderEpoch);
        out.put(RecordBatch.MAGIC);
        out.putInt(0); // CRC, filled below
        out.putShort(attributes());
        out.putInt(retainedLastOffsetDelta >= 0 ? retainedLastOffsetDelta : count - 1);
        out.putLong(baseTimestamp);
        out.putLong(maxTimestamp);
        out.putLong(producerId);
        out.putShort(producerEpoch);
        out.putInt(baseSequence);
        out.putInt(count);
        out.put(section, 0, sectionLength);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), RecordBatch.ATTRIBUTES_OFFSET, out.capacity() - RecordBatch.ATTRIBUTES_OFFSET);
        out.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
        out.flip();
        return out;
    }

    /** {@link #build()} wrapped as a view. */
    public RecordBatch buildBatch() {
        return RecordBatch.wrap(build());
    }

    private short attributes() {
        int attributes = compression.id();
        if (timestampType == TimestampType.LOG_APPEND_TIME) {
            attributes |= RecordBatch.TIMESTAMP_TYPE_MASK;
        }
        if (transactional) {
            attributes |= RecordBatch.TRANSACTIONAL_MASK;
        }
        if (control) {
            attributes |= RecordBatch.CONTROL_MASK;
        }
        return (short) attributes;
    }

    private static int sizeOfBytes(byte[] bytes) {
        return bytes == null ? Varints.sizeOfVarint(-1) : Varints.sizeOfVarint(bytes.length) + bytes.length;
    }

    private void writeBytes(byte[] bytes) {
        if (bytes == null) {
            Varints.writeVarint(-1, records);
        } else {
            Varints.writeVarint(bytes.length, records);
            records.put(bytes);
        }
    }

    private void ensureCapacity(int extra) {
        if (records.remaining() < extra) {
            int needed = records.position() + extra;
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(needed, records.capacity() * 2));
            records.flip();
            bigger.put(records);
            records = bigger;
        }
    }
}
