package io.wharf.broker.queue;

import io.wharf.proto.broker.Delivery;
import io.wharf.proto.common.Error;
import java.util.List;

/**
 * A consumer attached to this broker, as a queue's leader sees it: where its deliveries go.
 * Implementations hand messages to the consumer's stream; calls come from the queue thread.
 */
interface LocalConsumer {

    /** The id the queue log knows this consumer by. */
    String consumerId();

    String consumerTag();

    /** Deliveries to it are settled as they are sent. */
    boolean noAck();

    /** It must be the queue's only consumer. */
    boolean exclusive();

    /** Its Subscribe is committed; {@code active}: it receives messages now (not a waiting single active consumer). */
    void subscribed(boolean active);

    /** Gathers a delivery for it; {@link #sendDeliveries} sends what was gathered. */
    void deliver(Delivery delivery);

    /** Sends the deliveries gathered since the last call, in order, as few stream messages as their size allows. */
    void sendDeliveries();

    /** Its acks or nacks of these tags are committed. */
    void settled(List<Long> deliveryTags);

    /** The consumer is gone for {@code why}: the stream ends with it. */
    void close(Error why);
}
