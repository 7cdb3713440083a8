package io.wharf.client.dlq;

import io.wharf.client.producer.ProducerRecord;

/** Where dead letters go; {@link ProducerDeadLetterSink} over a {@link io.wharf.client.producer.Producer}. */
public interface DeadLetterSink {

    /**
     * Publishes {@code deadLetter} and returns once it is acknowledged.
     *
     * @throws Exception when it is not known to be written (the caller retries it)
     */
    void publish(ProducerRecord deadLetter) throws Exception;
}
