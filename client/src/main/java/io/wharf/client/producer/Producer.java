package io.wharf.client.producer;

import io.grpc.ManagedChannel;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.client.EndpointChannels;
import io.wharf.client.metadata.ClientMetadata;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * Sends records to Wharf brokers, after Kafka's KafkaProducer: {@link #send} appends the record to
 * its partition's batch and returns at once; one sender thread, owned by the producer, ships
 * batches to the partitions' leaders and completes the futures and callbacks (on that thread, in
 * send order per partition). Records are never reordered within a partition.
 *
 * <p>With {@code enable.idempotence} (the default with acks=all) every batch carries a producer id
 * and a per-partition sequence, so a retry after a lost response or a leader change is written
 * once and acknowledged at the offsets of its first write: every acknowledged record is in the
 * log exactly once. A partition then has up to {@code max.in.flight.requests.per.connection}
 * requests in flight (pipelining, as in Kafka); when one fails, the leader refuses the later ones
 * as out of sequence and the producer resends them all in their original order.
 *
 * <p>Without idempotence a retry after a lost response (broker death, timeout) may append a batch
 * twice (at-least-once, like Kafka with {@code enable.idempotence=false}), and a partition has one
 * request in flight at a time so that a retry is never overtaken: Kafka would pipeline there too
 * and let a retried batch land after later ones.
 *
 * <p>Thread-safe: {@link #send}, {@link #flush} and {@link #close} may be called from any thread.
 */
public final class Producer implements AutoCloseable {

    private final ProducerConfig config;
    private final EndpointChannels channels;
    private final ClientMetadata metadata;
    private final RecordAccumulator accumulator;
    private final StickyPartitioner partitioner = new StickyPartitioner(ThreadLocalRandom.current());
    private final Sender sender;
    private final Thread senderThread;
    private volatile boolean closed;

    public Producer(ProducerConfig config) {
        this(config, EndpointChannels.plaintext());
    }

    /** With a transport of the caller's choosing (tests use in-process channels). */
    public Producer(ProducerConfig config, Function<Endpoint, ManagedChannel> channelFactory) {
        this.config = config;
        this.channels = new EndpointChannels(channelFactory);
        this.metadata = new ClientMetadata(config.bootstrap(), channels,
                config.requestTimeout().compareTo(Duration.ofSeconds(5)) < 0 ? config.requestTimeout() : Duration.ofSeconds(5),
                config.metadataMaxAge(), config.retryBackoff(), System::currentTimeMillis);
        this.accumulator = new RecordAccumulator(config.batchSize(), config.linger().toMillis(), config.compression(),
                config.bufferMemory());
        this.sender = new Sender(config, accumulator, metadata, channels, System::currentTimeMillis);
        this.senderThread = new Thread(sender, "wharf-producer-sender");
        senderThread.setDaemon(true);
        senderThread.start();
    }

    /** {@link #send(ProducerRecord, Callback)} without a callback. */
    public CompletableFuture<RecordMetadata> send(ProducerRecord record) {
        return send(record, null);
    }

    /**
     * Queues {@code record} for its partition. Blocks only while the topic's metadata is unknown
     * or buffer.memory is used up (each up to {@code max.block.ms}). The future and the callback complete when the record is
     * acknowledged per {@code acks}, or with a {@link ClientException} when it failed for good
     * (unknown topic or partition, record too large, non-retriable broker error, or
     * {@code delivery.timeout.ms} passed).
     *
     * @throws IllegalStateException if the producer is closed
     */
    public CompletableFuture<RecordMetadata> send(ProducerRecord record, Callback callback) {
        if (closed) {
            throw new IllegalStateException("the producer is closed");
        }
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        int size = record.estimatedSize();
        try {
            if (size + io.wharf.record.RecordBatch.HEADER_SIZE > config.maxRequestSize()) {
                throw new ClientException(ErrorCode.RECORD_TOO_LARGE, "the record is about " + size
                        + " bytes, more than max.request.size (" + config.maxRequestSize() + ")");
            }
            int count = metadata.awaitPartitionCount(record.topic(), config.maxBlock());
            if (record.partition() != null && record.partition() >= count) {
                throw new ClientException(ErrorCode.UNKNOWN_PARTITION, "topic '" + record.topic() + "' has "
                        + count + " partitions (0-" + (count - 1) + "), not " + record.partition());
            }
            long timestamp = record.timestamp() != null ? record.timestamp() : System.currentTimeMillis();
            long now = System.currentTimeMillis();
            int partition = record.partition() != null ? record.partition()
                    : partitioner.partition(record.topic(), record.key(), count);
            boolean sticky = record.partition() == null && record.key() == null;
            var result = accumulator.append(new TopicPartition(record.topic(), partition), record, timestamp, size,
                    future, callback, sticky, now, config.maxBlock().toMillis());
            if (result == RecordAccumulator.AppendResult.NEEDS_NEW_BATCH) {
                partitioner.onNewBatch(record.topic(), partition, count);
                partition = partitioner.partition(record.topic(), null, count);
                accumulator.append(new TopicPartition(record.topic(), partition), record, timestamp, size, future,
                        callback, false, now, config.maxBlock().toMillis());
            }
        } catch (ClientException e) {
            if (callback != null) {
                callback.onCompletion(null, e);
            }
            future.completeExceptionally(e);
        }
        return future;
    }

    /**
     * Sends every record queued so far at once (ignoring linger.ms) and waits until each was
     * acknowledged or failed. Records sent during the flush may or may not be included.
     */
    public void flush() {
        accumulator.beginFlush();
        try {
            for (CompletableFuture<Void> batch : accumulator.incompleteBatches()) {
                batch.join();
            }
        } finally {
            accumulator.endFlush();
        }
    }

    /** Number of partitions of {@code topic}, from the metadata (waiting up to max.block.ms). */
    public int partitionCount(String topic) {
        return metadata.awaitPartitionCount(topic, config.maxBlock());
    }

    /**
     * Sends what is queued and waits up to {@code timeout} for it to be acknowledged; records
     * still unacknowledged then fail with a {@link ClientException}. Idempotent.
     */
    public void close(Duration timeout) {
        closed = true;
        sender.shutdown(false);
        try {
            senderThread.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (senderThread.isAlive() || accumulator.hasIncomplete()) {
                sender.shutdown(true);
                accumulator.failIncomplete(new ClientException(ErrorCode.REQUEST_TIMED_OUT,
                        "the producer was closed before the record was acknowledged"));
            }
            channels.close();
        }
    }

    /** {@link #close(Duration)} with no bound on the wait. */
    @Override
    public void close() {
        close(Duration.ofMillis(Long.MAX_VALUE / 2));
    }
}
