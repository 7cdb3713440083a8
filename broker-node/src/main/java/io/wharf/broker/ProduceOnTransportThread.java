package io.wharf.broker;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.wharf.proto.broker.BrokerServiceGrpc;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Runs {@code Produce} and {@code ProduceStream} calls on the transport (Netty event loop)
 * thread of their connection instead of handing them to the gRPC executor; every other call
 * keeps the executor. It saves a thread hand-off per produce, and is safe because a produce no longer blocks: the append is a
 * page-cache write, the fsync runs on the log directory's fsync thread, and an acks=all answer is
 * sent by whichever thread moves the high watermark.
 *
 * <p>It does not order separate unary calls: gRPC starts each call on its executor pool before
 * switching to this one, so two pipelined unary requests can overtake each other. The producer
 * therefore pipelines on one {@code ProduceStream} per broker, whose messages gRPC delivers in
 * order ({@link ProduceStreamCall}). Stateless.
 */
final class ProduceOnTransportThread implements ServerCallExecutorSupplier {

    private static final Executor DIRECT = Runnable::run;
    private static final Set<String> PRODUCE = Set.of(BrokerServiceGrpc.getProduceMethod().getFullMethodName(),
            BrokerServiceGrpc.getProduceStreamMethod().getFullMethodName());

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
        return PRODUCE.contains(call.getMethodDescriptor().getFullMethodName()) ? DIRECT : null;
    }
}
