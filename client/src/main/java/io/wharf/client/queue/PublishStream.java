package io.wharf.client.queue;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.wharf.client.Endpoint;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.PublishRequest;
import io.wharf.proto.broker.PublishResponse;

/**
 * A publisher's {@code Publish} stream to one broker: publishes go out in the order sent and
 * confirms come back as the queues commit them, tagged with their sequence.
 *
 * <p>{@link #send} and {@link #finish} are called under the publisher's send lock only. The
 * listener is called from gRPC threads.
 */
final class PublishStream {

    /** Told of confirms and of the end of the stream, on gRPC threads. */
    interface Listener {
        void confirmed(PublishStream stream, PublishResponse response);

        /** The stream ended; publishes on it still unconfirmed never will be on it. */
        void ended(PublishStream stream, Status status);
    }

    private final Endpoint broker;
    private final ClientCallStreamObserver<PublishRequest> requests;

    PublishStream(Endpoint broker, Channel channel, Listener listener) {
        this.broker = broker;
        ResponseObserver responses = new ResponseObserver(listener);
        BrokerServiceGrpc.newStub(channel).publish(responses);
        this.requests = responses.requests;
    }

    Endpoint broker() {
        return broker;
    }

    void send(PublishRequest request) {
        requests.onNext(request);
    }

    /** Half-closes: the broker ends the stream once it has confirmed what was sent. */
    void finish() {
        requests.onCompleted();
    }

    /** Ends the stream at once. */
    void cancel(String why) {
        requests.cancel(why, null);
    }

    @Override
    public String toString() {
        return "Publish stream to " + broker;
    }

    private final class ResponseObserver implements ClientResponseObserver<PublishRequest, PublishResponse> {
        private final Listener listener;
        private ClientCallStreamObserver<PublishRequest> requests;

        private ResponseObserver(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<PublishRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(PublishResponse response) {
            listener.confirmed(PublishStream.this, response);
        }

        @Override
        public void onError(Throwable t) {
            listener.ended(PublishStream.this, Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            listener.ended(PublishStream.this, Status.UNAVAILABLE.withDescription("the broker ended the stream"));
        }
    }
}
