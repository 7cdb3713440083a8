package io.wharf.client.fake;

import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One partition's batches in the fake cluster. Guarded by the {@link FakeCluster}'s monitor. */
final class FakePartitionLog {

    final List<RecordBatch> batches = new ArrayList<>();
    long logEndOffset;
    long highWatermark;
    long logStartOffset;
    /** Idempotent producers' last 32 batches (as the broker keeps): {first sequence, last sequence, base offset}. */
    private final Map<Long, List<long[]>> producers = new HashMap<>();

    /** The original base offset when {@code batch} repeats a retained batch of its producer (the broker's dedup). */
    Optional<Long> duplicateOf(RecordBatch batch) {
        if (batch.producerId() < 0) {
            return Optional.empty();
        }
        List<long[]> written = producers.getOrDefault(batch.producerId(), List.of());
        for (long[] w : written) {
            if (w[0] == batch.baseSequence() && w[1] == batch.lastSequence()) {
                return Optional.of(w[2]);
            }
        }
        return Optional.empty();
    }

    /** The sequence {@code producerId}'s next batch must start with. */
    long nextSequence(long producerId) {
        List<long[]> written = producers.getOrDefault(producerId, List.of());
        return written.isEmpty() ? 0 : written.get(written.size() - 1)[1] + 1;
    }

    /** Appends a copy of {@code batch} at the log end; returns its base offset. */
    long append(RecordBatch batch, boolean advanceHighWatermark) {
        ByteBuffer copy = ByteBuffer.allocate(batch.sizeInBytes());
        copy.put(batch.buffer());
        copy.flip();
        RecordBatch stored = RecordBatch.wrap(copy);
        long base = logEndOffset;
        stored.setBaseOffset(base);
        batches.add(stored);
        logEndOffset = stored.nextOffset();
        if (stored.producerId() >= 0) {
            List<long[]> written = producers.computeIfAbsent(stored.producerId(), k -> new ArrayList<>());
            written.add(new long[] {stored.baseSequence(), stored.lastSequence(), base});
            if (written.size() > io.wharf.client.producer.ProducerConfig.MAX_UNACKNOWLEDGED_BATCHES_PER_PARTITION) {
                written.remove(0);
            }
        }
        if (advanceHighWatermark) {
            highWatermark = logEndOffset;
        }
        return base;
    }

    /** Bytes of every batch stored. */
    long sizeInBytes() {
        return batches.stream().mapToLong(RecordBatch::sizeInBytes).sum();
    }

    void advanceHighWatermarkToEnd() {
        highWatermark = logEndOffset;
    }

    /** Whole batches containing offsets from {@code offset} up to the HW, at most about {@code maxBytes}. */
    ByteBuffer read(long offset, int maxBytes) {
        List<RecordBatch> chosen = new ArrayList<>();
        int size = 0;
        for (RecordBatch batch : batches) {
            if (batch.nextOffset() <= offset || batch.nextOffset() > highWatermark) {
                continue;
            }
            if (!chosen.isEmpty() && size + batch.sizeInBytes() > maxBytes) {
                break;
            }
            chosen.add(batch);
            size += batch.sizeInBytes();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        chosen.forEach(b -> out.put(b.buffer()));
        out.flip();
        return out;
    }

    /** The first offset with a timestamp at or after {@code timestamp}, or -1. */
    long offsetForTimestamp(long timestamp) {
        for (RecordBatch batch : batches) {
            if (batch.maxTimestamp() >= timestamp) {
                for (Record record : batch.records()) {
                    if (record.timestamp() >= timestamp && record.offset() >= logStartOffset) {
                        return record.offset();
                    }
                }
            }
        }
        return -1;
    }

    List<Record> records() {
        List<Record> all = new ArrayList<>();
        batches.forEach(b -> all.addAll(b.records()));
        return all;
    }
}
