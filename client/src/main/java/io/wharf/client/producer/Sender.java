package io.wharf.client.producer;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.client.EndpointChannels;
import io.wharf.client.metadata.ClientMetadata;
import io.wharf.client.metadata.DataPlaneErrors;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.InitProducerIdRequest;
import io.wharf.proto.broker.InitProducerIdResponse;
import io.wharf.proto.broker.ProducePartition;
import io.wharf.proto.broker.ProducePartitionResult;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.broker.ProduceResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's I/O loop: drains ready batches into one Produce request per leader broker,
 * keeps at most {@code max.in.flight.requests.per.connection} requests unanswered per broker and
 * at most one per partition (so a retried batch can never be overtaken by a later one: records
 * keep their order within a partition), completes records, and re-queues batches that failed
 * retriably until {@code delivery.timeout.ms}.
 *
 * <p>With idempotence it first gets a producer id ({@code InitProducerId} from any broker),
 * stamps each batch with it and its partition's next sequence when first drained, and sends at
 * most {@value ProducerConfig#MAX_BATCHES_PER_PARTITION_WITH_IDEMPOTENCE} batches of a partition in its one
 * request, the number the brokers remember per producer: every unacknowledged batch of a
 * partition is therefore recognised by its leader when resent, and answered with the offsets of
 * its first write. A sequenced batch that fails for good makes the producer start over under a
 * new producer id ({@link ProducerSequences}).
 *
 * <p>Single-threaded: everything but {@link #shutdown} runs on the producer's sender thread; gRPC
 * callbacks only hand responses over to it.
 */
final class Sender implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);
    private static final long MAX_IDLE_MS = 100;

    private final ProducerConfig config;
    private final RecordAccumulator accumulator;
    private final ClientMetadata metadata;
    private final EndpointChannels channels;
    private final LongSupplier nowMs;
    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final Set<TopicPartition> inFlightPartitions = new HashSet<>();
    private final Map<Endpoint, Integer> inFlightPerBroker = new HashMap<>();
    private volatile boolean running = true;
    private volatile boolean forceClose;
    /** Null without idempotence. */
    private final ProducerSequences sequences;
    private boolean producerIdRequested;
    private long producerIdRetryAtMs;
    private int producerIdAttempts;

    Sender(ProducerConfig config, RecordAccumulator accumulator, ClientMetadata metadata, EndpointChannels channels,
           LongSupplier nowMs) {
        this.config = config;
        this.accumulator = accumulator;
        this.metadata = metadata;
        this.channels = channels;
        this.nowMs = nowMs;
        this.sequences = config.idempotence() ? new ProducerSequences() : null;
    }

    /** Stops the loop once nothing is queued or in flight; with {@code force}, fails what is left at once. */
    void shutdown(boolean force) {
        forceClose |= force;
        running = false;
        accumulator.beginClose();
    }

    @Override
    public void run() {
        while (running || (!forceClose && (accumulator.hasQueued() || !inFlightPartitions.isEmpty()))) {
            try {
                runOnce();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                forceClose = true;
                break;
            }
        }
        ClientException closed = new ClientException(ErrorCode.REQUEST_TIMED_OUT,
                "the producer was closed before the record was acknowledged");
        accumulator.removeAll().forEach(batch -> batch.fail(closed));
        // in-flight requests complete through their callbacks; drain what has arrived
        Runnable completion;
        while ((completion = completions.poll()) != null) {
            completion.run();
        }
    }

    private void runOnce() throws InterruptedException {
        Runnable completion;
        while ((completion = completions.poll()) != null) {
            completion.run();
        }
        long now = nowMs.getAsLong();
        ClientException expired = new ClientException(ErrorCode.REQUEST_TIMED_OUT, "delivery.timeout.ms ("
                + config.deliveryTimeout().toMillis() + ") passed before the record was acknowledged");
        List<ProducerBatch> expiredBatches = accumulator.expire(now - config.deliveryTimeout().toMillis());
        expiredBatches.forEach(batch -> batch.fail(expired));
        expiredBatches.stream().filter(ProducerBatch::hasSequence).map(batch -> batch.tp).distinct()
                .forEach(tp -> startOver(tp, expired));
        metadata.maybeRefresh();
        now = nowMs.getAsLong();
        long next = Math.min(accumulator.nextDeadlineMs(now, this::sendable), now + MAX_IDLE_MS);
        if (sequences != null && !sequences.hasProducerId() && !producerIdRequested) {
            if (now >= producerIdRetryAtMs) {
                requestProducerId();
            } else {
                next = Math.min(next, producerIdRetryAtMs);
            }
        }
        var requests = sequences == null
                ? accumulator.drain(now, this::route, config.maxRequestSize(), batch -> true, Integer.MAX_VALUE)
                : accumulator.drain(now, this::route, config.maxRequestSize(), sequences::stampIfNew,
                        ProducerConfig.MAX_BATCHES_PER_PARTITION_WITH_IDEMPOTENCE);
        requests.forEach(this::send);
        if (completions.isEmpty()) {
            accumulator.awaitWork(next - now);
        }
    }

    /** Asks a broker (rotating over those known) for a producer id; the answer comes back on this thread. */
    private void requestProducerId() {
        List<Endpoint> brokers = metadata.view().brokerEndpoints();
        if (brokers.isEmpty()) {
            brokers = config.bootstrap();
        }
        Endpoint broker = brokers.get(Math.floorMod(producerIdAttempts++, brokers.size()));
        producerIdRequested = true;
        BrokerServiceGrpc.newStub(channels.channel(broker))
                .withDeadlineAfter(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .initProducerId(InitProducerIdRequest.getDefaultInstance(), new StreamObserver<>() {
                    @Override
                    public void onNext(InitProducerIdResponse response) {
                        handOver(() -> onProducerId(broker, response.getError(), response.getProducerId(),
                                (short) response.getProducerEpoch()));
                    }

                    @Override
                    public void onError(Throwable t) {
                        Status status = Status.fromThrowable(t);
                        handOver(() -> onProducerId(broker, Error.newBuilder().setCode(ErrorCode.REQUEST_TIMED_OUT)
                                .setMessage(status.getCode() + " " + status.getDescription()).build(), -1, (short) -1));
                    }

                    @Override
                    public void onCompleted() {
                        // the single response was handled in onNext
                    }
                });
    }

    private void onProducerId(Endpoint broker, Error error, long producerId, short epoch) {
        producerIdRequested = false;
        if (error.getCode() == ErrorCode.NONE && producerId >= 0) {
            sequences.setProducerId(producerId, epoch);
            producerIdAttempts = 0;
            LOG.debug("producer id {} (epoch {}) from broker {}", producerId, epoch, broker);
            return;
        }
        LOG.debug("InitProducerId at broker {} failed: {} {}", broker, error.getCode(), error.getMessage());
        producerIdRetryAtMs = nowMs.getAsLong() + config.retryBackoff().toMillis();
        channels.reconnectPromptly(broker);
    }

    /** Whether {@link #route} would let {@code tp}'s batches go now (without asking for a metadata refresh). */
    private boolean sendable(TopicPartition tp) {
        if (inFlightPartitions.contains(tp)) {
            return false;
        }
        Endpoint leader = metadata.view().leaderEndpoint(tp).orElse(null);
        return leader != null && inFlightPerBroker.getOrDefault(leader, 0) < config.maxInFlightPerBroker();
    }

    /** The broker to send {@code tp}'s batches to now, or null to hold them. */
    private Endpoint route(TopicPartition tp) {
        if (inFlightPartitions.contains(tp)) {
            return null;
        }
        Endpoint leader = metadata.view().leaderEndpoint(tp).orElse(null);
        if (leader == null) {
            metadata.markStale();
            return null;
        }
        return inFlightPerBroker.getOrDefault(leader, 0) < config.maxInFlightPerBroker() ? leader : null;
    }

    private void send(Endpoint broker, Map<TopicPartition, List<ProducerBatch>> batches) {
        ProduceRequest.Builder request = ProduceRequest.newBuilder().setAcks(config.acks())
                .setTimeoutMs((int) Math.min(Integer.MAX_VALUE, config.requestTimeout().toMillis()));
        batches.forEach((tp, list) -> {
            int size = list.stream().mapToInt(b -> b.bytes().remaining()).sum();
            ByteBuffer records = ByteBuffer.allocate(size);
            list.forEach(b -> records.put(b.bytes()));
            records.flip();
            request.addPartitions(ProducePartition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                    .setRecords(UnsafeByteOperations.unsafeWrap(records)));
            inFlightPartitions.add(tp);
        });
        inFlightPerBroker.merge(broker, 1, Integer::sum);
        // the broker answers REQUEST_TIMED_OUT itself after timeout_ms; the deadline only catches a dead broker
        long deadlineMs = config.requestTimeout().toMillis() + 1000;
        BrokerServiceGrpc.newStub(channels.channel(broker)).withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                .produce(request.build(), new StreamObserver<>() {
                    @Override
                    public void onNext(ProduceResponse response) {
                        handOver(() -> complete(broker, batches, response));
                    }

                    @Override
                    public void onError(Throwable t) {
                        handOver(() -> completeAll(broker, batches, t));
                    }

                    @Override
                    public void onCompleted() {
                        // the single response was handled in onNext
                    }
                });
    }

    private void handOver(Runnable completion) {
        completions.add(completion);
        accumulator.wakeup();
    }

    private void complete(Endpoint broker, Map<TopicPartition, List<ProducerBatch>> batches, ProduceResponse response) {
        inFlightPerBroker.merge(broker, -1, Integer::sum);
        Map<TopicPartition, ProducePartitionResult> results = new HashMap<>();
        for (ProducePartitionResult result : response.getPartitionsList()) {
            results.put(new TopicPartition(result.getTopic(), result.getPartition()), result);
        }
        batches.forEach((tp, list) -> {
            inFlightPartitions.remove(tp);
            ProducePartitionResult result = results.get(tp);
            if (result == null) {
                fail(tp, list, new ClientException(ErrorCode.UNKNOWN_SERVER_ERROR,
                        "broker " + broker + " answered without a result for " + tp));
            } else if (result.getError().getCode() == ErrorCode.NONE) {
                // Batches the leader had written before (a retry) keep their first offsets, which need
                // not be contiguous with the rest: use the per-batch offsets when the broker sends them.
                boolean perBatch = config.acks() != 0 && result.getBatchBaseOffsetsCount() == list.size();
                long offset = config.acks() == 0 ? -1 : result.getBaseOffset();
                for (int i = 0; i < list.size(); i++) {
                    ProducerBatch batch = list.get(i);
                    batch.succeed(perBatch ? result.getBatchBaseOffsets(i) : offset);
                    offset = offset < 0 ? -1 : offset + batch.recordCount();
                }
            } else {
                Error error = result.getError();
                if (DataPlaneErrors.invalidatesMetadata(error.getCode())) {
                    metadata.onPartitionError(tp, error);
                }
                // a redirect to another broker is retried at once; anything else after retry.backoff.ms
                long backoff = DataPlaneErrors.redirectsElsewhere(error, broker) ? 0 : config.retryBackoff().toMillis();
                retryOrFail(tp, list, error.getCode(), error.getCode() + " from broker " + broker + " for " + tp
                        + ": " + error.getMessage(), backoff);
            }
        });
    }

    private void completeAll(Endpoint broker, Map<TopicPartition, List<ProducerBatch>> batches, Throwable t) {
        inFlightPerBroker.merge(broker, -1, Integer::sum);
        Status status = Status.fromThrowable(t);
        boolean retriable = DataPlaneErrors.isRetriable(status.getCode());
        if (retriable) {
            channels.reconnectPromptly(broker);
            metadata.markStale();
        }
        batches.forEach((tp, list) -> {
            inFlightPartitions.remove(tp);
            String message = "Produce to broker " + broker + " for " + tp + " failed: " + status.getCode()
                    + (status.getDescription() == null ? "" : " " + status.getDescription());
            if (retriable) {
                retryOrFail(tp, list, ErrorCode.REQUEST_TIMED_OUT, message, config.retryBackoff().toMillis());
            } else {
                fail(tp, list, new ClientException(ErrorCode.UNKNOWN_SERVER_ERROR, message, t));
            }
        });
    }

    private void retryOrFail(TopicPartition tp, List<ProducerBatch> list, ErrorCode code, String message,
                             long backoffMs) {
        long now = nowMs.getAsLong();
        long retryAt = now + backoffMs;
        boolean inTime = list.stream().allMatch(b -> retryAt - b.createdMs < config.deliveryTimeout().toMillis());
        if (DataPlaneErrors.isRetriable(code) && inTime && !forceClose) {
            accumulator.reenqueue(tp, list, retryAt);
        } else {
            fail(tp, list, new ClientException(code, message));
        }
    }

    /** Fails batches for good; with idempotence a sequenced one leaves a gap, so the producer starts over. */
    private void fail(TopicPartition tp, List<ProducerBatch> list, ClientException exception) {
        list.forEach(batch -> batch.fail(exception));
        if (list.stream().anyMatch(ProducerBatch::hasSequence)) {
            startOver(tp, exception);
        }
    }

    /**
     * A sequenced batch of {@code tp} failed for good, so the leader may never see its sequence:
     * later batches would be refused as out of order. Takes a new producer id (every partition
     * restarts at sequence 0 under it), re-stamps {@code tp}'s batches that were never sent, and
     * fails those that were sent under the old sequence, since their fate can no longer be settled.
     */
    private void startOver(TopicPartition tp, ClientException cause) {
        if (sequences == null) {
            return;
        }
        LOG.info("a batch of {} from producer {} failed for good ({}); continuing under a new producer id", tp,
                sequences.producerId(), cause.code());
        sequences.restart();
        ClientException unsettled = new ClientException(cause.code(), "an earlier batch of " + tp
                + " failed for good (" + cause.getMessage() + "), and this one, already sent, may or may not"
                + " have been written");
        accumulator.resequence(tp).forEach(batch -> batch.fail(unsettled));
    }
}
