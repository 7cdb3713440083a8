package io.wharf.broker.queue;

import io.grpc.stub.StreamObserver;
import io.wharf.broker.BrokerChannels;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.EnqueueItem;
import io.wharf.proto.broker.EnqueueRequest;
import io.wharf.proto.broker.EnqueueResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Hands publishes routed to queues led by other brokers to those leaders (their Enqueue RPC).
 * Per (leader, queue, publisher) one call is in flight at a time and what arrives meanwhile is
 * sent together in the next one, so a busy publisher's messages travel in batches and keep their
 * order, while a lone publish goes at once. Thread-safe; channels are closed with it.
 */
final class EnqueueForwarder implements AutoCloseable {

    private record Key(String endpoint, String queue, String publisherId) {
    }

    private record Item(long sequence, Message message, CompletableFuture<Error> result) {
    }

    /** Most message bytes in one Enqueue call; well below what a broker accepts in one message. */
    static final int MAX_BATCH_BYTES = 4 * 1024 * 1024;

    private final long timeoutMs;
    private final BrokerChannels channels;
    /** Guarded by itself. */
    private final Map<Key, List<Item>> waiting = new HashMap<>();

    EnqueueForwarder(long timeoutMs, int maxInboundBytes) {
        this.timeoutMs = timeoutMs;
        this.channels = new BrokerChannels(maxInboundBytes);
    }

    /** Completes with NONE once the leader at {@code endpoint} committed the message, else with why not. */
    CompletableFuture<Error> forward(String endpoint, String queue, String publisherId, long sequence,
                                     Message message) {
        CompletableFuture<Error> result = new CompletableFuture<>();
        Key key = new Key(endpoint, queue, publisherId);
        boolean sendNow;
        synchronized (waiting) {
            List<Item> queued = waiting.get(key);
            sendNow = queued == null;
            if (sendNow) {
                waiting.put(key, new ArrayList<>());
            } else {
                queued.add(new Item(sequence, message, result));
            }
        }
        if (sendNow) {
            send(key, List.of(new Item(sequence, message, result)));
        }
        return result;
    }

    private void send(Key key, List<Item> items) {
        EnqueueRequest.Builder request = EnqueueRequest.newBuilder().setQueue(key.queue())
                .setPublisherId(key.publisherId()).setTimeoutMs(timeoutMs);
        items.forEach(item -> request.addItems(EnqueueItem.newBuilder().setSequence(item.sequence())
                .setMessage(item.message())));
        BrokerServiceGrpc.newStub(channels.channel(key.endpoint())).withDeadlineAfter(timeoutMs + 1000, TimeUnit.MILLISECONDS)
                .enqueue(request.build(), new StreamObserver<>() {
                    @Override
                    public void onNext(EnqueueResponse response) {
                        for (int i = 0; i < items.size(); i++) {
                            Error error = i < response.getResultsCount() ? response.getResults(i)
                                    : PartitionLookup.error(ErrorCode.UNKNOWN_SERVER_ERROR, "queue leader at "
                                    + key.endpoint() + " answered " + response.getResultsCount() + " of "
                                    + items.size() + " messages");
                            items.get(i).result().complete(error);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        Error error = PartitionLookup.error(ErrorCode.REQUEST_TIMED_OUT, "could not reach the leader "
                                + "of queue '" + key.queue() + "' at " + key.endpoint() + ": " + t.getMessage()
                                + "; the publish may or may not be stored, retry it");
                        items.forEach(item -> item.result().complete(error));
                        next(key);
                    }

                    @Override
                    public void onCompleted() {
                        next(key);
                    }
                });
    }

    private void next(Key key) {
        List<Item> batch = new ArrayList<>();
        synchronized (waiting) {
            List<Item> queued = waiting.get(key);
            if (queued == null || queued.isEmpty()) {
                waiting.remove(key);
                return;
            }
            // At most MAX_BATCH_BYTES per call (a larger message goes alone), so that the leader
            // never refuses a call for its size; the rest waits for the next one.
            int bytes = 0;
            int taken = 0;
            while (taken < queued.size()) {
                int size = queued.get(taken).message().getSerializedSize();
                if (taken > 0 && bytes + size > MAX_BATCH_BYTES) {
                    break;
                }
                bytes += size;
                taken++;
            }
            batch.addAll(queued.subList(0, taken));
            queued.subList(0, taken).clear();
        }
        send(key, batch);
    }

    @Override
    public void close() {
        channels.close();
    }
}
