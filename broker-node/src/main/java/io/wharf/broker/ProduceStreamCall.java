package io.wharf.broker;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.wharf.broker.metrics.BrokerMetrics;
import io.wharf.broker.metrics.ProduceStage;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.broker.ProduceResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code ProduceStream} call: a producer connection's pipelined Produce requests.
 *
 * <p>gRPC hands a call's messages to {@link #onNext} one at a time and in the order sent, and each
 * request is appended to its partitions before {@code onNext} returns, so the requests of a stream
 * reach the logs in the producer's order: an idempotent producer's pipelined batches of a
 * partition arrive in sequence, as over one Kafka connection. Two unary {@code Produce} calls
 * give no such promise (gRPC may start the second first), which cost a refused batch and a
 * round trip whenever it happened.
 *
 * <p>Answers go back as they complete, tagged with their request's correlation id: an acks=1
 * answer may overtake an acks=all one. They are sent by whichever thread completes them, so
 * sending is serialized here (a gRPC {@link StreamObserver} is not thread-safe). When the producer
 * half-closes, the stream ends once every request it sent is answered.
 */
final class ProduceStreamCall implements StreamObserver<ProduceRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(ProduceStreamCall.class);

    private final ProduceHandler produce;
    private final BrokerMetrics metrics;
    private final StreamObserver<ProduceResponse> responses;
    /** Guards the fields below and every call on {@link #responses}. */
    private final Object lock = new Object();
    private int unanswered;
    private boolean halfClosed;
    private boolean ended;

    ProduceStreamCall(ProduceHandler produce, BrokerMetrics metrics, StreamObserver<ProduceResponse> responses) {
        this.produce = produce;
        this.metrics = metrics;
        this.responses = responses;
    }

    @Override
    public void onNext(ProduceRequest request) {
        long arrived = System.nanoTime();
        synchronized (lock) {
            if (ended) {
                return;
            }
            unanswered++;
        }
        long correlationId = request.getCorrelationId();
        produce.produce(request, arrived).whenComplete((response, failure) -> {
            long ready = System.nanoTime();
            if (failure != null) {
                LOG.error("ProduceStream request {} failed", correlationId, failure);
                end(Status.INTERNAL.withDescription(failure.toString()));
                return;
            }
            if (answer(response.toBuilder().setCorrelationId(correlationId).build())) {
                long sent = System.nanoTime();
                metrics.recordProduceStage(ProduceStage.RESPONSE, sent - ready);
                metrics.recordProduceRequest(sent - arrived);
            }
        });
    }

    /** The producer cancelled the stream or its connection broke: nothing more can be sent on it. */
    @Override
    public void onError(Throwable t) {
        synchronized (lock) {
            ended = true;
        }
        LOG.debug("ProduceStream ended by the producer side: {}", Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        synchronized (lock) {
            halfClosed = true;
            if (unanswered == 0 && !ended) {
                ended = true;
                responses.onCompleted();
            }
        }
    }

    /** Sends one answer; true when it went out. */
    private boolean answer(ProduceResponse response) {
        synchronized (lock) {
            if (ended) {
                return false;
            }
            unanswered--;
            try {
                responses.onNext(response);
                if (halfClosed && unanswered == 0) {
                    ended = true;
                    responses.onCompleted();
                }
                return true;
            } catch (RuntimeException e) {
                // cancelled meanwhile: the producer fails and resends what is unanswered
                ended = true;
                LOG.debug("Could not answer on a cancelled ProduceStream: {}", e.toString());
                return false;
            }
        }
    }

    private void end(Status status) {
        synchronized (lock) {
            if (ended) {
                return;
            }
            ended = true;
            try {
                responses.onError(status.asRuntimeException());
            } catch (RuntimeException e) {
                LOG.debug("Could not end a cancelled ProduceStream: {}", e.toString());
            }
        }
    }
}
