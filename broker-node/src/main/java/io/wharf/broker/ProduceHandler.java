package io.wharf.broker;

import io.wharf.broker.group.OffsetsTopic;
import io.wharf.broker.metrics.BrokerMetrics;
import io.wharf.broker.metrics.ProduceStage;
import io.wharf.broker.partition.AppendOutcome;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.proto.broker.ProducePartition;
import io.wharf.proto.broker.ProducePartitionResult;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.broker.ProduceResponse;
import io.wharf.proto.common.ErrorCode;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;

/**
 * Serves {@code Produce}: validates acks, appends each partition's batches on the leader and
 * answers once every partition has its result (acks=-1: once the high watermark passed the
 * append, or REQUEST_TIMED_OUT after {@code timeout_ms}; 0 or absent means
 * {@value #DEFAULT_TIMEOUT_MS} ms). A failing partition gets its error and nothing appended; the
 * others proceed. The internal topic {@value OffsetsTopic#NAME} is refused (INVALID_REQUEST).
 * Batches an idempotent producer had already written answer the offsets of their first write;
 * producer ids the metadata has not allocated are refused (UNKNOWN_PRODUCER_ID).
 * Thread-safe; timeouts run on each partition's deadline timer (see {@link Partition}).
 */
final class ProduceHandler {

    static final int DEFAULT_TIMEOUT_MS = 30_000;

    private final PartitionLookup lookup;
    private final Clock clock;
    private final LongSupplier producerIdLimit;
    private final BrokerMetrics metrics;

    /**
     * @param producerIdLimit the metadata's next producer id: ids at or above it were never handed out
     * @param metrics         records each partition's queued, append and replication-wait stages
     */
    ProduceHandler(PartitionLookup lookup, Clock clock, LongSupplier producerIdLimit, BrokerMetrics metrics) {
        this.lookup = lookup;
        this.metrics = metrics;
        this.clock = clock;
        this.producerIdLimit = producerIdLimit;
    }

    /** @param arrivedNanos when the request arrived ({@link System#nanoTime()}), for the queued stage */
    CompletableFuture<ProduceResponse> produce(ProduceRequest request, long arrivedNanos) {
        int acks = request.getAcks();
        long timeoutMs = request.getTimeoutMs() > 0 ? request.getTimeoutMs() : DEFAULT_TIMEOUT_MS;
        List<CompletableFuture<ProducePartitionResult>> results = new ArrayList<>();
        for (ProducePartition partition : request.getPartitionsList()) {
            if (acks != 0 && acks != 1 && acks != -1) {
                results.add(CompletableFuture.completedFuture(failed(partition, PartitionLookup.error(
                        ErrorCode.INVALID_REQUIRED_ACKS, "acks is " + acks + " but must be 0, 1 or -1 (all)"))));
            } else if (partition.getTopic().equals(OffsetsTopic.NAME)) {
                results.add(CompletableFuture.completedFuture(failed(partition, PartitionLookup.error(
                        ErrorCode.INVALID_REQUEST, OffsetsTopic.NAME + " is internal: only the group coordinator "
                                + "writes it; commit offsets with OffsetCommit"))));
            } else {
                results.add(append(partition, acks, timeoutMs, arrivedNanos));
            }
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            ProduceResponse.Builder response = ProduceResponse.newBuilder();
            results.forEach(result -> response.addPartitions(result.join()));
            return response.build();
        });
    }

    private CompletableFuture<ProducePartitionResult> append(ProducePartition request, int acks, long timeoutMs,
                                                            long arrivedNanos) {
        AppendOutcome outcome;
        long appended;
        try {
            Partition partition = lookup.leader(request.getTopic(), request.getPartition());
            // The log stamps offsets and epochs into the buffer, so it gets its own copy: the one
            // payload copy of the produce path (protobuf's ByteString is immutable).
            ByteBuffer records = ByteBuffer.wrap(request.getRecords().toByteArray());
            ByteBuffer counted = records.duplicate();
            long appending = System.nanoTime();
            metrics.recordProduceStage(ProduceStage.QUEUED, appending - arrivedNanos);
            outcome = partition.appendAsLeader(records, acks, clock.millis() + timeoutMs,
                    producerIdLimit.getAsLong());
            appended = System.nanoTime();
            metrics.recordProduceStage(ProduceStage.APPEND, appended - appending);
            metrics.recordProduced(request.getTopic(), counted);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failed(request, lookup.toError(e, request.getTopic(),
                    request.getPartition())));
        }
        long baseOffset = acks == 0 ? -1 : outcome.baseOffset();
        return outcome.replicated().handle((hw, failure) -> {
            if (acks == -1) {
                metrics.recordProduceStage(ProduceStage.REPLICATION_WAIT, System.nanoTime() - appended);
            }
            if (failure == null) {
                ProducePartitionResult.Builder result = ProducePartitionResult.newBuilder().setTopic(request.getTopic())
                        .setPartition(request.getPartition()).setError(PartitionLookup.none())
                        .setBaseOffset(baseOffset).setLogStartOffset(outcome.logStartOffset());
                if (acks != 0) {
                    result.addAllBatchBaseOffsets(outcome.batchBaseOffsets());
                }
                return result.build();
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            RuntimeException asRuntime = cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
            return failed(request, lookup.toError(asRuntime, request.getTopic(), request.getPartition()));
        });
    }

    private static ProducePartitionResult failed(ProducePartition request, io.wharf.proto.common.Error error) {
        return ProducePartitionResult.newBuilder().setTopic(request.getTopic()).setPartition(request.getPartition())
                .setError(error).setBaseOffset(-1).setLogStartOffset(-1).build();
    }
}
