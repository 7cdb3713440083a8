package io.wharf.client;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.BrokerServiceGrpc.BrokerServiceStub;
import java.util.function.BiConsumer;

/**
 * One ordered client stream to one broker (a producer's {@code ProduceStream}, a publisher's
 * {@code Publish}): the broker handles the requests sent on it in the order sent and answers each
 * as it completes, tagged so the sender can match it. Whoever owns it calls {@link #send},
 * {@link #finish} and {@link #cancel} from one thread (or under one lock); the listener is called
 * from gRPC threads.
 *
 * @param <Q> the request type
 * @param <R> the response type
 */
public final class BrokerStream<Q, R> {

    /** Told of answers and of the end of the stream, on gRPC threads. */
    public interface Listener<Q, R> {
        void answered(BrokerStream<Q, R> stream, R response);

        /** The stream ended; requests on it still unanswered never will be. */
        void ended(BrokerStream<Q, R> stream, Status status);
    }

    private final String name;
    private final Endpoint broker;
    private final ClientCallStreamObserver<Q> requests;

    /**
     * Opens the stream.
     *
     * @param name for messages, e.g. "ProduceStream"
     * @param open starts the call on the stub with the given response observer, e.g.
     *     {@code BrokerServiceStub::produceStream}
     */
    public BrokerStream(String name, Endpoint broker, Channel channel,
                        BiConsumer<BrokerServiceStub, StreamObserver<R>> open, Listener<Q, R> listener) {
        this.name = name;
        this.broker = broker;
        ResponseObserver responses = new ResponseObserver(listener);
        open.accept(BrokerServiceGrpc.newStub(channel), responses);
        this.requests = responses.requests;
    }

    public Endpoint broker() {
        return broker;
    }

    public void send(Q request) {
        requests.onNext(request);
    }

    /** Half-closes: the broker ends the stream once it has answered every request sent. */
    public void finish() {
        requests.onCompleted();
    }

    /** Ends the stream at once; unanswered requests are reported through {@link Listener#ended}. */
    public void cancel(String why) {
        requests.cancel(why, null);
    }

    @Override
    public String toString() {
        return name + " to " + broker;
    }

    private final class ResponseObserver implements ClientResponseObserver<Q, R> {
        private final Listener<Q, R> listener;
        private ClientCallStreamObserver<Q> requests;

        private ResponseObserver(Listener<Q, R> listener) {
            this.listener = listener;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(R response) {
            listener.answered(BrokerStream.this, response);
        }

        @Override
        public void onError(Throwable t) {
            listener.ended(BrokerStream.this, Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            listener.ended(BrokerStream.this, Status.UNAVAILABLE.withDescription("the broker ended the stream"));
        }
    }
}
