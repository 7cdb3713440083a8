package io.wharf.broker.replica;

import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import io.wharf.proto.replication.ReplicaFetchRequest;
import io.wharf.proto.replication.ReplicaFetchResponse;
import io.wharf.proto.replication.ReplicationServiceGrpc;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A test's end of one {@code ReplicaFetch} stream: sends a request and waits for the answer, or
 * for how the stream ended. Not thread-safe; close it to end the stream.
 */
public final class ReplicaFetchStreamClient implements AutoCloseable {

    private final LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
    private final StreamObserver<ReplicaFetchRequest> requests;

    public ReplicaFetchStreamClient(Channel channel) {
        requests = ReplicationServiceGrpc.newStub(channel).replicaFetch(new StreamObserver<>() {
            @Override
            public void onNext(ReplicaFetchResponse response) {
                received.add(response);
            }

            @Override
            public void onError(Throwable failure) {
                received.add(failure);
            }

            @Override
            public void onCompleted() {
                received.add("completed");
            }
        });
    }

    /** Sends {@code request} without waiting. */
    public void send(ReplicaFetchRequest request) {
        requests.onNext(request);
    }

    /** The next thing the stream brought within 30 s: a response, the failure it ended with, or "completed". */
    public Object next() throws InterruptedException {
        Object next = received.poll(30, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("nothing arrived on the ReplicaFetch stream within 30 s");
        }
        return next;
    }

    /** Sends {@code request} and returns its answer; fails when the stream ended instead. */
    public ReplicaFetchResponse fetch(ReplicaFetchRequest request) throws InterruptedException {
        send(request);
        Object next = next();
        if (next instanceof ReplicaFetchResponse response) {
            return response;
        }
        throw new AssertionError("the ReplicaFetch stream ended instead of answering: " + next);
    }

    @Override
    public void close() {
        requests.onCompleted();
    }
}
