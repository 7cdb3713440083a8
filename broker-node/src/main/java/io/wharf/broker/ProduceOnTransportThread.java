package io.wharf.broker;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.wharf.proto.broker.BrokerServiceGrpc;
import java.util.concurrent.Executor;

/**
 * Runs {@code Produce} calls on the transport (Netty event loop) thread of their connection
 * instead of handing them to the gRPC executor; every other call keeps the executor.
 *
 * <p>Why: requests of one connection are then handled one after the other in the order they
 * arrived, as Kafka's network layer does, so the pipelined requests of an idempotent producer
 * reach each partition's log in sequence order (on a pool they raced, and a request that lost
 * the race came back OUT_OF_ORDER_SEQUENCE and was retried). It also saves a thread hand-off.
 * This is safe because a produce no longer blocks: the append is a page-cache write, the fsync
 * runs on the log directory's fsync thread, and an acks=all answer is sent by whichever thread
 * moves the high watermark. Stateless.
 */
final class ProduceOnTransportThread implements ServerCallExecutorSupplier {

    private static final Executor DIRECT = Runnable::run;
    private static final String PRODUCE = BrokerServiceGrpc.getProduceMethod().getFullMethodName();

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
        return PRODUCE.equals(call.getMethodDescriptor().getFullMethodName()) ? DIRECT : null;
    }
}
