package io.wharf.client.producer;

import io.wharf.client.TopicPartition;
import io.wharf.record.CompressionType;
import io.wharf.record.Header;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records gathered for one partition and sent as one Kafka v2 batch, with the futures and
 * callbacks of its records. Appended to under the accumulator's lock; once built (sealed) its bytes
 * are fixed and only the sender thread completes it (a forced close may fail it from the
 * closing thread; completion is synchronized and happens once).
 */
final class ProducerBatch {

    /** One record's completion handles. */
    private record Pending(CompletableFuture<RecordMetadata> future, Callback callback, long timestamp) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(ProducerBatch.class);

    final TopicPartition tp;
    final long createdMs;
    /** Position among every batch the accumulator created: a partition's queue is kept in this order. */
    final long creationIndex;
    private final RecordBatchBuilder builder;
    private final List<Pending> pending = new ArrayList<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private int estimatedBytes;
    private ByteBuffer built;
    /** Set when a record did not fit: the batch takes no more and is ready to go regardless of linger.ms. */
    private boolean closedForAppends;
    int attempts;
    long retryAtMs;
    /** The idempotent producer's id and the batch's first sequence; -1 until the sender stamps it. */
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private int baseSequence = RecordBatch.NO_SEQUENCE;
    /**
     * Set when an earlier batch of the partition failed for good after this one was stamped: its
     * producer id has a gap there, so the leader refuses it as out of sequence unless that batch
     * was written after all. Sender thread only.
     */
    private boolean behindGap;

    ProducerBatch(TopicPartition tp, CompressionType compression, long createdMs, long creationIndex) {
        this.tp = tp;
        this.createdMs = createdMs;
        this.creationIndex = creationIndex;
        this.builder = new RecordBatchBuilder(compression);
        this.estimatedBytes = RecordBatch.HEADER_SIZE;
    }

    /** Whether a record of {@code size} bytes fits; an empty batch takes any record. */
    boolean hasRoomFor(int size, int batchSize) {
        return built == null && (pending.isEmpty() || estimatedBytes + size <= batchSize);
    }

    boolean isFull(int batchSize) {
        return built != null || closedForAppends || estimatedBytes >= batchSize;
    }

    void closeForAppends() {
        closedForAppends = true;
    }

    void append(long timestamp, byte[] key, byte[] value, List<Header> headers, int size,
                CompletableFuture<RecordMetadata> future, Callback callback) {
        builder.append(timestamp, key, value, headers);
        estimatedBytes += size;
        pending.add(new Pending(future, callback, timestamp));
    }

    /** The record bytes appended (estimated, before compression), as counted against buffer.memory. */
    synchronized int estimatedBytes() {
        return estimatedBytes - RecordBatch.HEADER_SIZE;
    }

    int recordCount() {
        return pending.size();
    }

    boolean hasSequence() {
        return baseSequence != RecordBatch.NO_SEQUENCE;
    }

    long producerId() {
        return producerId;
    }

    /**
     * Stamps the idempotent producer's identity and the batch's first sequence; bytes already
     * built (the batch was measured for the request first) are rewritten in place. Sender thread only.
     */
    void stamp(long id, short epoch, int firstSequence) {
        producerId = id;
        baseSequence = firstSequence;
        if (built == null) {
            builder.producer(id, epoch, firstSequence);
        } else {
            RecordBatch.wrap(built.duplicate()).setProducer(id, epoch, firstSequence);
        }
    }

    /** Marks the batch as stamped behind a batch that failed for good. */
    void markBehindGap() {
        behindGap = true;
    }

    /** Whether an earlier batch of the partition failed for good after this one was stamped. */
    boolean isBehindGap() {
        return behindGap;
    }

    /**
     * Forgets the stamp of a batch the leader refused (so never wrote): it is stamped afresh,
     * under the producer's current id, before it is sent again. Sender thread only.
     */
    void clearSequence() {
        producerId = RecordBatch.NO_PRODUCER_ID;
        baseSequence = RecordBatch.NO_SEQUENCE;
        behindGap = false;
    }

    /** The encoded batch, built once: retries resend the same bytes (same producer id and sequence). */
    ByteBuffer bytes() {
        if (built == null) {
            built = builder.build();
        }
        return built.duplicate();
    }

    /** Completes when the batch was acknowledged or failed. */
    CompletableFuture<Void> done() {
        return done;
    }

    /** Acknowledges every record: offsets from {@code baseOffset} on, or -1 when it is unknown. */
    synchronized void succeed(long baseOffset) {
        if (done.isDone()) {
            return;
        }
        for (int i = 0; i < pending.size(); i++) {
            Pending p = pending.get(i);
            RecordMetadata metadata = new RecordMetadata(tp.topic(), tp.partition(), baseOffset < 0 ? -1 : baseOffset + i,
                    p.timestamp());
            notify(p, metadata, null);
            p.future().complete(metadata);
        }
        done.complete(null);
    }

    synchronized void fail(RuntimeException exception) {
        if (done.isDone()) {
            return;
        }
        for (Pending p : pending) {
            notify(p, null, exception);
            p.future().completeExceptionally(exception);
        }
        done.complete(null);
    }

    private void notify(Pending p, RecordMetadata metadata, Exception exception) {
        if (p.callback() == null) {
            return;
        }
        try {
            p.callback().onCompletion(metadata, exception);
        } catch (RuntimeException e) {
            // a failing user callback must not stop the sender or the other records' completions
            LOG.warn("a producer callback for {} threw", tp, e);
        }
    }
}
