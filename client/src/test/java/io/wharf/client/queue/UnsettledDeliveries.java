package io.wharf.client.queue;

import io.wharf.proto.broker.Delivery;
import io.wharf.proto.queue.Message;

/** Deliveries for tests of code outside this package that reads them but does not settle them. */
public final class UnsettledDeliveries {

    private UnsettledDeliveries() {
    }

    /** A delivery of {@code message} from {@code queue} with tag {@code tag} that cannot be settled. */
    public static QueueDelivery of(String queue, long tag, Message message) {
        return new QueueDelivery(Delivery.newBuilder().setQueue(queue).setDeliveryTag(tag).setMessage(message).build(),
                null);
    }
}
