package io.wharf.client.queue;

import io.wharf.proto.broker.Delivery;
import io.wharf.proto.queue.Message;
import java.util.concurrent.CompletableFuture;

/**
 * One message delivered to a subscription (or fetched by {@link QueueConsumer#get}). The
 * delivery tag is the message's id in its queue: opaque, unique in the queue, not 1, 2, 3.
 *
 * <p>A delivery can only be settled on the stream it came on. When that stream ended (a leader
 * change, a broken connection) the broker has already put the message back, to be delivered again
 * with {@code redelivered} set; settling it then does nothing ({@link #ackSync()} fails). Deliveries
 * of a no-ack subscription or of a {@code get} are settled already: settling them throws
 * {@link IllegalStateException}. Immutable; the settle methods are thread-safe.
 */
public final class QueueDelivery {

    /** Settles deliveries of the stream they came on; null for deliveries settled already. */
    interface Settler {
        void settle(long tag, boolean multiple, SettleKind kind);

        CompletableFuture<Void> ackSync(long tag, boolean multiple);
    }

    /** How a delivery is settled on the wire. */
    enum SettleKind { ACK, NACK_REQUEUE, NACK_DROP }

    private final Delivery delivery;
    private final Settler settler;

    QueueDelivery(Delivery delivery, Settler settler) {
        this.delivery = delivery;
        this.settler = settler;
    }

    /** The message id in the queue. */
    public long deliveryTag() {
        return delivery.getDeliveryTag();
    }

    /** Whether it was delivered before (to this or another consumer). */
    public boolean redelivered() {
        return delivery.getRedelivered();
    }

    /** Failed deliveries before this one (x-delivery-count). */
    public int deliveryCount() {
        return delivery.getDeliveryCount();
    }

    /** Headers, properties, body, and the exchange and routing key it was published with. */
    public Message message() {
        return delivery.getMessage();
    }

    /** The queue it came from. */
    public String queue() {
        return delivery.getQueue();
    }

    /** The body as bytes. */
    public byte[] body() {
        return delivery.getMessage().getBody().toByteArray();
    }

    /** Acknowledges this delivery: the message is done and leaves the queue. Does not wait. */
    public void ack() {
        requireSettler().settle(deliveryTag(), false, SettleKind.ACK);
    }

    /**
     * Acknowledges this delivery and completes once the broker confirmed the ack is committed (a
     * {@code Settled}); fails with a {@code ClientException} when the stream ended first.
     */
    public CompletableFuture<Void> ackSync() {
        return requireSettler().ackSync(deliveryTag(), false);
    }

    /**
     * Negatively acknowledges this delivery: with {@code requeue} it goes back to the queue (not a
     * failed delivery), without it is dropped as a failed delivery.
     */
    public void nack(boolean requeue) {
        requireSettler().settle(deliveryTag(), false, requeue ? SettleKind.NACK_REQUEUE : SettleKind.NACK_DROP);
    }

    /** AMQP's basic.reject: on the wire the same as {@link #nack(boolean)} of this one delivery. */
    public void reject(boolean requeue) {
        nack(requeue);
    }

    private Settler requireSettler() {
        if (settler == null) {
            throw new IllegalStateException("delivery " + deliveryTag() + " of queue '" + queue()
                    + "' was settled when it was sent (no-ack subscription or get)");
        }
        return settler;
    }
}
