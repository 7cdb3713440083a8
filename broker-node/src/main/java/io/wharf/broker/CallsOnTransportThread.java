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
 * of their connection; every other call goes to the server's pool for calls that may block.
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
 * {@code Fetch} goes to the pool: it may read old segments from disk.
 *
 * <p>The server's own executor must be the direct one ({@link GrpcServer} builds it so): gRPC looks
 * a call's method up on that executor before it asks this supplier where to run the call, so with
 * a pool there every unary call, a follower's fetch included, would cross to a pool thread and
 * its answer back to the event loop: two wake-ups per call. Immutable.
 */
final class CallsOnTransportThread implements ServerCallExecutorSupplier {

    private final Executor mayBlock;

    private static final Set<String> ON_TRANSPORT = Set.of(
            BrokerServiceGrpc.getProduceMethod().getFullMethodName(),
            BrokerServiceGrpc.getProduceStreamMethod().getFullMethodName(),
            BrokerServiceGrpc.getPublishMethod().getFullMethodName(),
            BrokerServiceGrpc.getEnqueueMethod().getFullMethodName(),
            BrokerServiceGrpc.getConsumeMethod().getFullMethodName(),
            ReplicationServiceGrpc.getReplicaFetchMethod().getFullMethodName());

    /** @param mayBlock runs every call not listed above */
    CallsOnTransportThread(Executor mayBlock) {
        this.mayBlock = mayBlock;
    }

    /** Null (stay on the transport thread, the server's direct executor) for the data calls, else the pool. */
    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
        return ON_TRANSPORT.contains(call.getMethodDescriptor().getFullMethodName()) ? null : mayBlock;
    }
}
