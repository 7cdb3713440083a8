package io.wharf.broker.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.wharf.proto.broker.ConsumeResponse;
import io.wharf.proto.broker.Delivery;
import io.wharf.proto.queue.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ConsumerStream's deliveries: gathered while the shard applies a batch of entries and sent when
 * it says so, as few stream messages as their size allows, in order, with nothing left behind.
 */
class ConsumerStreamTest {

    private final List<ConsumeResponse> sent = new ArrayList<>();
    // Delivering and sending touch neither the service nor the queue thread.
    private final ConsumerStream stream = new ConsumerStream(null, new StreamObserver<>() {
        @Override
        public void onNext(ConsumeResponse response) {
            sent.add(response);
        }

        @Override
        public void onError(Throwable t) {
            throw new AssertionError("the stream failed", t);
        }

        @Override
        public void onCompleted() {
            throw new AssertionError("the stream ended");
        }
    });

    @Test
    void deliveriesGoOutTogetherWhenTheShardSendsThemAndNotBefore() {
        stream.deliver(delivery(1, 10));
        stream.deliver(delivery(2, 10));
        stream.deliver(delivery(3, 10));

        assertTrue(sent.isEmpty(), "nothing is sent while the shard is still applying");
        stream.sendDeliveries();

        assertEquals(1, sent.size());
        assertEquals(List.of(1L, 2L, 3L), tags(sent.get(0)));
        stream.sendDeliveries();
        assertEquals(1, sent.size(), "a second send with nothing gathered sends nothing");
    }

    @Test
    void deliveriesLargerTogetherThanOneMessageMaySpanSeveralInOrder() {
        int third = ConsumerStream.MAX_BATCH_BYTES / 3;
        for (long tag = 1; tag <= 5; tag++) {
            stream.deliver(delivery(tag, third));
        }
        stream.sendDeliveries();

        List<Long> all = new ArrayList<>();
        for (ConsumeResponse response : sent) {
            int bytes = response.getDeliveries().getDeliveriesList().stream().mapToInt(Delivery::getSerializedSize).sum();
            assertTrue(bytes <= ConsumerStream.MAX_BATCH_BYTES, "a message of " + bytes + " bytes");
            all.addAll(tags(response));
        }
        assertEquals(3, sent.size(), "two deliveries of a third each fit a message, a third would not");
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), all);
    }

    private static Delivery delivery(long tag, int bodyBytes) {
        return Delivery.newBuilder().setDeliveryTag(tag).setQueue("q")
                .setMessage(Message.newBuilder().setBody(ByteString.copyFrom(new byte[bodyBytes]))).build();
    }

    private static List<Long> tags(ConsumeResponse response) {
        return response.getDeliveries().getDeliveriesList().stream().map(Delivery::getDeliveryTag).toList();
    }
}
