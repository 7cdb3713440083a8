package io.wharf.queue;

/** What a queue at x-max-length / x-max-length-bytes does with one more message (x-overflow). */
public enum Overflow {
    /** Store it and dead-letter the oldest ready messages (reason maxlen) until the limits hold: RabbitMQ's default. */
    DROP_HEAD,
    /** Do not store it: the publisher's publish is nacked. */
    REJECT_PUBLISH
}
