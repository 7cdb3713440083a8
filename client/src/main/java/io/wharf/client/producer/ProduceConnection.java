package io.wharf.client.producer;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.wharf.client.Endpoint;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.broker.ProduceResponse;

/**
 * The producer's {@code ProduceStream} to one broker: the broker appends the requests sent on it
 * in the order sent, so a partition's pipelined batches reach its leader in sequence, and answers
 * each as it completes, tagged with the request's correlation id.
 *
 * <p>{@link #send}, {@link #finish} and {@link #cancel} are called from the producer's sender
 * thread only. The listener is called from gRPC threads.
 */
final class ProduceConnection {

    /** Told of answers and of the end of the stream, on gRPC threads. */
    interface Listener {
        void answered(ProduceConnection connection, ProduceResponse response);

        /** The stream ended; requests on it still unanswered never will be. */
        void ended(ProduceConnection connection, Status status);
    }

    private final Endpoint broker;
    private final ClientCallStreamObserver<ProduceRequest> requests;

    ProduceConnection(Endpoint broker, Channel channel, Listener listener) {
        this.broker = broker;
        ResponseObserver responses = new ResponseObserver(listener);
        BrokerServiceGrpc.newStub(channel).produceStream(responses);
        this.requests = responses.requests;
    }

    Endpoint broker() {
        return broker;
    }

    void send(ProduceRequest request) {
        requests.onNext(request);
    }

    /** Half-closes: the broker ends the stream once it has answered every request sent. */
    void finish() {
        requests.onCompleted();
    }

    /** Ends the stream at once; unanswered requests are reported through {@link Listener#ended}. */
    void cancel(String why) {
        requests.cancel(why, null);
    }

    @Override
    public String toString() {
        return "ProduceStream to " + broker;
    }

    private final class ResponseObserver implements ClientResponseObserver<ProduceRequest, ProduceResponse> {
        private final Listener listener;
        private ClientCallStreamObserver<ProduceRequest> requests;

        private ResponseObserver(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ProduceRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(ProduceResponse response) {
            listener.answered(ProduceConnection.this, response);
        }

        @Override
        public void onError(Throwable t) {
            listener.ended(ProduceConnection.this, Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            listener.ended(ProduceConnection.this, Status.UNAVAILABLE.withDescription("the broker ended the stream"));
        }
    }
}
