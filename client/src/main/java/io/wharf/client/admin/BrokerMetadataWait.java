package io.wharf.client.admin;

import io.grpc.StatusRuntimeException;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.DescribeMetadataRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits until brokers' metadata images hold a change the controllers committed: exchanges,
 * queues and bindings are declared through the controllers, but publishes and subscriptions go
 * to brokers, which learn of the change a moment later. RabbitMQ's declares are synchronous; this
 * makes ours behave the same for the next call. Bounded: a broker that is down or slower than
 * {@code timeout} is not waited for further (it catches up on its own). Stateless.
 */
final class BrokerMetadataWait {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long CALL_TIMEOUT_MS = 1000;

    private BrokerMetadataWait() {
    }

    /** Returns once every broker in {@code brokers} reports a metadata offset of at least {@code offset}, or at the timeout. */
    static void await(EndpointChannels channels, List<Endpoint> brokers, long offset, Duration timeout) {
        if (offset <= 0) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Endpoint broker : brokers) {
            while (System.nanoTime() < deadline && !reached(channels, broker, offset)) {
                LockSupport.parkNanos(POLL_NANOS);
            }
        }
    }

    private static boolean reached(EndpointChannels channels, Endpoint broker, long offset) {
        try {
            return BrokerServiceGrpc.newBlockingStub(channels.channel(broker))
                    .withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .describeMetadata(DescribeMetadataRequest.newBuilder().setOffsetOnly(true).build())
                    .getMetadataOffset() >= offset;
        } catch (StatusRuntimeException e) {
            return true;  // unreachable: nothing to wait for
        }
    }
}
