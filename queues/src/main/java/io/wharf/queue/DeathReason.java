package io.wharf.queue;

/** Why a message died, with RabbitMQ's x-death names. */
public enum DeathReason {
    /** nack/reject without requeue. */
    REJECTED("rejected", io.wharf.proto.queue.DeathReason.DEATH_REASON_REJECTED),
    /** Its TTL (x-message-ttl or the per-message expiration) passed while it was ready. */
    EXPIRED("expired", io.wharf.proto.queue.DeathReason.DEATH_REASON_EXPIRED),
    /** Dropped from the head to keep x-max-length / x-max-length-bytes (overflow drop-head). */
    MAXLEN("maxlen", io.wharf.proto.queue.DeathReason.DEATH_REASON_MAXLEN),
    /** More failed deliveries than x-delivery-limit. */
    DELIVERY_LIMIT("delivery_limit", io.wharf.proto.queue.DeathReason.DEATH_REASON_DELIVERY_LIMIT);

    private final String text;
    private final io.wharf.proto.queue.DeathReason proto;

    DeathReason(String text, io.wharf.proto.queue.DeathReason proto) {
        this.text = text;
        this.proto = proto;
    }

    /** The reason as x-death and the x-first/last-death-reason headers spell it. */
    public String text() {
        return text;
    }

    io.wharf.proto.queue.DeathReason toProto() {
        return proto;
    }

    /** The reason written in a checkpoint; null for none (and for a value this version does not know). */
    static DeathReason fromProto(io.wharf.proto.queue.DeathReason proto) {
        for (DeathReason reason : values()) {
            if (reason.proto == proto) {
                return reason;
            }
        }
        return null;
    }
}
