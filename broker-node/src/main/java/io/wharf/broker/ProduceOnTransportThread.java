package io.wharf.broker;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.wharf.proto.broker.BrokerServiceGrpc;
import java.util.concurrent.Executor;

/**
 * Runs {@code Produce} calls on the transport (Netty event loop) thread of their connection
 * instead of handing them to the gRPC executor; every other call keeps the executor. It saves a
 * thread hand-off per produce, and is safe because a produce no longer blocks: the append is a
 * page-cache write, the fsync runs on the log directory's fsync thread, and an acks=all answer is
 * sent by whichever thread moves the high watermark.
 *
 * <p>It does not make a connection's requests reach the log strictly in the order sent, as
 * Kafka's network layer does: gRPC starts each call on its executor pool before switching to
 * this one, so two pipelined requests can still overtake each other. The producer then gets
 * OUT_OF_ORDER_SEQUENCE for the later one and resends it (correct, but a round trip lost; seen
 * under load in docs/benchmarks.md). Ordering per connection is the next step (a produce stream
 * per connection, or sequencing per producer on the broker). Stateless.
 */
final class ProduceOnTransportThread implements ServerCallExecutorSupplier {

    private static final Executor DIRECT = Runnable::run;
    private static final String PRODUCE = BrokerServiceGrpc.getProduceMethod().getFullMethodName();

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
        return PRODUCE.equals(call.getMethodDescriptor().getFullMethodName()) ? DIRECT : null;
    }
}
