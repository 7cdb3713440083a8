package io.wharf.client.producer;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.wharf.client.ClientException;
import io.wharf.client.BrokerStream;
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
import io.wharf.proto.broker.BrokerServiceGrpc.BrokerServiceStub;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.broker.ProduceResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's I/O loop: drains ready batches into one Produce request per leader broker,
 * sent on that broker's {@link BrokerStream} (one stream, whose requests the broker appends
 * in the order sent), keeps at most {@code max.in.flight.requests.per.connection} requests
 * unanswered per broker, completes records, and re-queues batches that failed retriably until
 * {@code delivery.timeout.ms}. A stream that ends, or leaves a request unanswered past
 * {@code request.timeout.ms}, fails its unanswered requests retriably.
 *
 * <p>Without idempotence a partition has one request in flight at a time, so a retried batch can
 * never be overtaken by a later one: records keep their order within a partition.
 *
 * <p>With idempotence it first gets a producer id ({@code InitProducerId} from any broker) and
 * stamps each batch with it and its partition's next sequence when first drained. A partition
 * then pipelines up to {@code max.in.flight.requests.per.connection} requests, as Kafka's
 * producer does, and its leader keeps the order: it refuses a batch that does not follow the
 * last one written (OUT_OF_ORDER_SEQUENCE) and answers a batch it already has with the offsets
 * of its first write. When a request fails retriably, the later requests of its partition come
 * back refused; each refused batch that was sent behind an unresolved one is retried, and every
 * retry goes back to the head of the queue in sequence order, leaving only once no request of
 * its partition is in flight, so the resent batches reach the leader in their original order
 * with their original sequences. At most
 * {@value ProducerConfig#MAX_UNACKNOWLEDGED_BATCHES_PER_PARTITION} batches of a partition are
 * unacknowledged at once, the number the brokers remember per producer, so a resent batch is
 * always recognised. Completions of a partition are released in sequence order. A sequenced batch
 * that fails for good makes the producer start over under a new producer id
 * ({@link ProducerSequences}); the later batches of its partition that the leader then refuses
 * were not written, and go again re-stamped under the new id, still in send order.
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
    /** Requests in flight per partition; partitions with none are absent. */
    private final Map<TopicPartition, Integer> inFlightPerPartition = new HashMap<>();
    private final Map<Endpoint, Integer> inFlightPerBroker = new HashMap<>();
    /** Every unanswered request by correlation id, oldest first. */
    private final Map<Long, InFlightRequest> inFlight = new LinkedHashMap<>();
    /** The open produce stream to each broker; one is opened on the first request after the last ended. */
    private final Map<Endpoint, BrokerStream<ProduceRequest, ProduceResponse>> connections = new HashMap<>();
    private final BrokerStream.Listener<ProduceRequest, ProduceResponse> connectionListener = new BrokerStream.Listener<>() {
        @Override
        public void answered(BrokerStream<ProduceRequest, ProduceResponse> connection, ProduceResponse response) {
            handOver(() -> onAnswer(connection, response));
        }

        @Override
        public void ended(BrokerStream<ProduceRequest, ProduceResponse> connection, Status status) {
            handOver(() -> onEnded(connection, status));
        }
    };
    private long nextCorrelationId;
    private final int maxInFlightPerPartition;
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
        this.maxInFlightPerPartition = config.idempotence() ? config.maxInFlightPerBroker() : 1;
    }

    /** Stops the loop once nothing is queued or in flight; with {@code force}, fails what is left at once. */
    void shutdown(boolean force) {
        forceClose |= force;
        running = false;
        accumulator.beginClose();
    }

    @Override
    public void run() {
        while (running || (!forceClose && (accumulator.hasQueued() || !inFlightPerPartition.isEmpty()))) {
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
        // Only a forced close leaves requests unanswered: they fail now (retries are off once forced).
        for (BrokerStream<ProduceRequest, ProduceResponse> connection : List.copyOf(connections.values())) {
            if (forceClose) {
                onEnded(connection, Status.CANCELLED.withDescription("the producer was closed"));
                connection.cancel("the producer was closed");
            } else {
                connection.finish();
            }
        }
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
        expiredBatches.forEach(batch -> settle(batch, b -> b.fail(expired)));
        Map<TopicPartition, ProducerBatch> firstGaps = new LinkedHashMap<>();
        expiredBatches.stream().filter(Sender::leavesGap).forEach(batch -> firstGaps.putIfAbsent(batch.tp, batch));
        firstGaps.values().forEach(batch -> startOver(batch, expired));
        endUnansweredConnections(now);
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
        var requests = accumulator.drain(now, this::route, config.maxRequestSize(),
                sequences == null ? batch -> true : sequences::stampIfNew);
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

    /**
     * Whether the partition whose first queued batch is {@code head} may send now, leader aside. A
     * retry waits until no request of its partition is in flight, so the answers of every earlier
     * request are in and the retries, merged in order, leave in the order first sent. A new batch
     * needs a free request slot of the partition and, with idempotence, a sequence to be had.
     */
    private boolean partitionMaySend(ProducerBatch head) {
        if (sequences != null && !head.hasSequence() && !sequences.mayStamp(head.tp)) {
            return false;
        }
        int inFlight = inFlightPerPartition.getOrDefault(head.tp, 0);
        return head.attempts > 0 ? inFlight == 0 : inFlight < maxInFlightPerPartition;
    }

    /** Whether {@link #route} would let the batches from {@code head} on go now (without a metadata refresh). */
    private boolean sendable(ProducerBatch head) {
        if (!partitionMaySend(head)) {
            return false;
        }
        Endpoint leader = metadata.view().leaderEndpoint(head.tp).orElse(null);
        return leader != null && inFlightPerBroker.getOrDefault(leader, 0) < config.maxInFlightPerBroker();
    }

    /** The broker to send the batches from {@code head} on to now, or null to hold them. */
    private Endpoint route(ProducerBatch head) {
        if (!partitionMaySend(head)) {
            return null;
        }
        Endpoint leader = metadata.view().leaderEndpoint(head.tp).orElse(null);
        if (leader == null) {
            metadata.markStale();
            return null;
        }
        return inFlightPerBroker.getOrDefault(leader, 0) < config.maxInFlightPerBroker() ? leader : null;
    }

    private void send(Endpoint broker, Map<TopicPartition, List<ProducerBatch>> batches) {
        ProduceRequest.Builder request = ProduceRequest.newBuilder().setAcks(config.acks())
                .setTimeoutMs((int) Math.min(Integer.MAX_VALUE, config.requestTimeout().toMillis()));
        Set<TopicPartition> sentBehindUnresolved = new HashSet<>();
        batches.forEach((tp, list) -> {
            int size = list.stream().mapToInt(b -> b.bytes().remaining()).sum();
            ByteBuffer records = ByteBuffer.allocate(size);
            list.forEach(b -> records.put(b.bytes()));
            records.flip();
            request.addPartitions(ProducePartition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                    .setRecords(UnsafeByteOperations.unsafeWrap(records)));
            inFlightPerPartition.merge(tp, 1, Integer::sum);
            if (sequences != null && sequences.followsUnresolved(list.get(0))) {
                sentBehindUnresolved.add(tp);
            }
        });
        inFlightPerBroker.merge(broker, 1, Integer::sum);
        BrokerStream<ProduceRequest, ProduceResponse> connection = connections.computeIfAbsent(broker,
                b -> new BrokerStream<>("ProduceStream", b, channels.channel(b), BrokerServiceStub::produceStream,
                        connectionListener));
        long correlationId = nextCorrelationId++;
        inFlight.put(correlationId, new InFlightRequest(connection, correlationId, nowMs.getAsLong(), batches,
                sentBehindUnresolved));
        connection.send(request.setCorrelationId(correlationId).build());
    }

    private void onAnswer(BrokerStream<ProduceRequest, ProduceResponse> connection, ProduceResponse response) {
        InFlightRequest request = inFlight.get(response.getCorrelationId());
        // absent or on another stream: already failed when its stream ended or timed out
        if (request != null && request.connection() == connection) {
            inFlight.remove(response.getCorrelationId());
            complete(request, response);
        }
    }

    /** Fails, retriably, what is unanswered on a stream that ended; the next request opens a new one. */
    private void onEnded(BrokerStream<ProduceRequest, ProduceResponse> connection, Status status) {
        connections.remove(connection.broker(), connection);
        List<InFlightRequest> lost = inFlight.values().stream().filter(r -> r.connection() == connection).toList();
        lost.forEach(request -> {
            inFlight.remove(request.correlationId());
            completeAll(request, status);
        });
    }

    /**
     * Ends each stream with a request unanswered for longer than {@code request.timeout.ms} plus a
     * second: the broker answers REQUEST_TIMED_OUT itself after the request's timeout, so only a
     * dead broker or connection gets here.
     */
    private void endUnansweredConnections(long now) {
        long limitMs = config.requestTimeout().toMillis() + 1000;
        Set<BrokerStream<ProduceRequest, ProduceResponse>> stuck = new HashSet<>();
        inFlight.values().stream().filter(r -> now - r.sentMs() > limitMs).forEach(r -> stuck.add(r.connection()));
        stuck.forEach(connection -> {
            String why = "no answer from broker " + connection.broker() + " within " + limitMs + " ms";
            onEnded(connection, Status.DEADLINE_EXCEEDED.withDescription(why));
            connection.cancel(why);
        });
    }

    private void handOver(Runnable completion) {
        completions.add(completion);
        accumulator.wakeup();
    }

    private void complete(InFlightRequest request, ProduceResponse response) {
        Endpoint broker = request.connection().broker();
        answered(request);
        Map<TopicPartition, ProducePartitionResult> results = new HashMap<>();
        for (ProducePartitionResult result : response.getPartitionsList()) {
            results.put(new TopicPartition(result.getTopic(), result.getPartition()), result);
        }
        request.batches().forEach((tp, list) -> {
            ProducePartitionResult result = results.get(tp);
            if (result == null) {
                fail(list, new ClientException(ErrorCode.UNKNOWN_SERVER_ERROR,
                        "broker " + broker + " answered without a result for " + tp));
            } else if (result.getError().getCode() == ErrorCode.NONE) {
                // Batches the leader had written before (a retry) keep their first offsets, which need
                // not be contiguous with the rest: use the per-batch offsets when the broker sends them.
                boolean perBatch = config.acks() != 0 && result.getBatchBaseOffsetsCount() == list.size();
                long offset = config.acks() == 0 ? -1 : result.getBaseOffset();
                for (int i = 0; i < list.size(); i++) {
                    long baseOffset = perBatch ? result.getBatchBaseOffsets(i) : offset;
                    settle(list.get(i), batch -> batch.succeed(baseOffset));
                    offset = offset < 0 ? -1 : offset + list.get(i).recordCount();
                }
            } else {
                Error error = result.getError();
                if (DataPlaneErrors.invalidatesMetadata(error.getCode())) {
                    metadata.onPartitionError(tp, error);
                }
                String message = error.getCode() + " from broker " + broker + " for " + tp + ": " + error.getMessage();
                if (error.getCode() == ErrorCode.OUT_OF_ORDER_SEQUENCE && list.get(0).isBehindGap()) {
                    // Refused, so not written, behind a batch that failed for good: the producer has
                    // started over, and these go again under its new id, in their order. The leader
                    // would refuse every later batch under the old id too, so those waiting for a
                    // retry are taken back now (those in flight come back refused).
                    list.forEach(sequences::unstamp);
                    accumulator.queued(tp).stream().filter(ProducerBatch::isBehindGap).forEach(sequences::unstamp);
                    retryOrFail(tp, list, true, error.getCode(), message, 0);
                    return;
                }
                if (error.getCode() == ErrorCode.OUT_OF_ORDER_SEQUENCE && request.sentBehindUnresolved().contains(tp)) {
                    // An earlier batch had not been written when the leader looked: it may have failed,
                    // or its request may have been handled after this one. Not a gap: retry behind it.
                    retryOrFail(tp, list, true, error.getCode(), message, 0);
                    return;
                }
                // a redirect to another broker is retried at once; anything else after retry.backoff.ms
                long backoff = DataPlaneErrors.redirectsElsewhere(error, broker) ? 0 : config.retryBackoff().toMillis();
                // routed here by metadata that knows tp: an UNKNOWN_TOPIC means this broker lags behind
                retryOrFail(tp, list, DataPlaneErrors.isRetriableForKnownPartition(error.getCode()), error.getCode(),
                        message, backoff);
            }
        });
    }

    private void completeAll(InFlightRequest request, Status status) {
        Endpoint broker = request.connection().broker();
        answered(request);
        boolean retriable = DataPlaneErrors.isRetriable(status.getCode());
        if (retriable) {
            channels.reconnectPromptly(broker);
            metadata.markStale();
        }
        request.batches().forEach((tp, list) -> {
            String message = "Produce to broker " + broker + " for " + tp + " failed: " + status.getCode()
                    + (status.getDescription() == null ? "" : " " + status.getDescription());
            if (retriable) {
                retryOrFail(tp, list, true, ErrorCode.REQUEST_TIMED_OUT, message, config.retryBackoff().toMillis());
            } else {
                fail(list, new ClientException(ErrorCode.UNKNOWN_SERVER_ERROR, message, status.asRuntimeException()));
            }
        });
    }

    /** Frees the request's slots at its broker and partitions. */
    private void answered(InFlightRequest request) {
        inFlightPerBroker.merge(request.connection().broker(), -1, Integer::sum);
        request.batches().keySet()
                .forEach(tp -> inFlightPerPartition.computeIfPresent(tp, (k, n) -> n > 1 ? n - 1 : null));
    }

    private void retryOrFail(TopicPartition tp, List<ProducerBatch> list, boolean retriable, ErrorCode code,
                             String message, long backoffMs) {
        long now = nowMs.getAsLong();
        long retryAt = now + backoffMs;
        boolean inTime = list.stream().allMatch(b -> retryAt - b.createdMs < config.deliveryTimeout().toMillis());
        if (retriable && inTime && !forceClose) {
            accumulator.reenqueue(tp, list, retryAt);
        } else {
            fail(list, new ClientException(code, message));
        }
    }

    /**
     * Fails batches (of one partition, in order) for good; with idempotence a sequenced one leaves
     * a gap, so the producer starts over.
     */
    private void fail(List<ProducerBatch> list, ClientException exception) {
        list.forEach(batch -> settle(batch, b -> b.fail(exception)));
        list.stream().filter(Sender::leavesGap).findFirst().ifPresent(batch -> startOver(batch, exception));
    }

    /**
     * Whether failing {@code batch} leaves its partition a gap the producer must start over for:
     * it has a sequence, and no earlier batch already made the producer start over past it.
     */
    private static boolean leavesGap(ProducerBatch batch) {
        return batch.hasSequence() && !batch.isBehindGap();
    }

    /**
     * Completes {@code batch} with {@code outcome}; with idempotence once every earlier batch of its
     * partition has completed.
     */
    private void settle(ProducerBatch batch, Consumer<ProducerBatch> outcome) {
        if (sequences == null) {
            outcome.accept(batch);
        } else {
            sequences.completeInOrder(batch, outcome);
        }
    }

    /**
     * The sequenced batch {@code failed} failed for good, so its leader may never see its sequence
     * and later batches of its partition would be refused as out of order. Takes a new producer id
     * (every partition restarts at sequence 0 under it; a partition's first batch under it waits
     * until the batches it sent under the old one are answered) and marks the later batches of the
     * partition already stamped under the old one: when the leader refuses one as out of sequence,
     * it was not written and goes again under the new id. Any other answer settles it as usual (a
     * batch whose outcome was unknown may have been written after all, and then so may they).
     */
    private void startOver(ProducerBatch failed, ClientException cause) {
        if (sequences == null) {
            return;
        }
        LOG.info("a batch of {} from producer {} failed for good ({}); continuing under a new producer id", failed.tp,
                failed.producerId(), cause.code());
        sequences.restart();
        sequences.unresolvedAfter(failed).forEach(ProducerBatch::markBehindGap);
    }

    /**
     * One Produce request awaiting its answer.
     *
     * @param sentMs               when it was sent, to notice a broker that never answers
     * @param sentBehindUnresolved partitions whose first batch in it followed a batch with no
     *     outcome yet: an OUT_OF_ORDER_SEQUENCE answer for them is no gap
     */
    private record InFlightRequest(BrokerStream<ProduceRequest, ProduceResponse> connection, long correlationId, long sentMs,
                                   Map<TopicPartition, List<ProducerBatch>> batches,
                                   Set<TopicPartition> sentBehindUnresolved) {
    }
}
