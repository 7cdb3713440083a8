package io.wharf.broker;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.replication.ReplicationServiceGrpc;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Runs {@code Produce}, {@code ProduceStream}, {@code ReplicaFetch} and the queue data calls
 * ({@code Publish}, {@code Enqueue}, {@code Consume}) on the transport (Netty event loop) thread
 * of their connection instead of handing them to the gRPC executor; every other call keeps the
 * executor.
 *
 * <p>Each hand-off is a thread wake-up, and on a small virtual machine a context switch costs
 * more than the work it hands over (measured with {@code perf}: a quarter of a broker's CPU in the
 * kernel's task-switch path at 10,000 records/s). These calls never block: an append is a
 * page-cache write, the fsync runs on the log directory's fsync thread, an acks=all answer is
 * sent by whichever thread moves the high watermark, and a follower's fetch reads the tail of
 * the log, which is in the page cache, or waits as a {@code LongPoll} without holding the
 * thread. The queue calls only route a publish from the metadata image and hand it, or a
 * consumer's request, to the queue thread (a forward to another leader is an asynchronous call),
 * so the queue thread is one hand-off away from the wire rather than two. A consumer's
 * {@code Fetch} stays on the executor: it may read old segments from disk.
 *
 * <p>It does not order separate unary calls: gRPC starts each call on its executor pool before
 * switching to this one, so two pipelined unary requests can overtake each other. The producer
 * therefore pipelines on one {@code ProduceStream} per broker, whose messages gRPC delivers in
 * order ({@link ProduceStreamCall}). Stateless.
 */
final class CallsOnTransportThread implements ServerCallExecutorSupplier {

    private static final Executor DIRECT = Runnable::run;
    private static final Set<String> ON_TRANSPORT = Set.of(
            BrokerServiceGrpc.getProduceMethod().getFullMethodName(),
            BrokerServiceGrpc.getProduceStreamMethod().getFullMethodName(),
            BrokerServiceGrpc.getPublishMethod().getFullMethodName(),
            BrokerServiceGrpc.getEnqueueMethod().getFullMethodName(),
            BrokerServiceGrpc.getConsumeMethod().getFullMethodName(),
            ReplicationServiceGrpc.getReplicaFetchMethod().getFullMethodName());

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
        return ON_TRANSPORT.contains(call.getMethodDescriptor().getFullMethodName()) ? DIRECT : null;
    }
}
