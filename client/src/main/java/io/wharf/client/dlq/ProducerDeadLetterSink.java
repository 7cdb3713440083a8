package io.wharf.client.dlq;

import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerRecord;

/**
 * Publishes dead letters with a {@link Producer} and waits for each acknowledgement (the
 * producer's {@code delivery.timeout.ms} bounds the wait). Give it a producer with
 * {@code acks=-1} (all) and idempotence, the defaults, so an acknowledged dead letter survives
 * the loss of a broker and a retried one is written once.
 */
public final class ProducerDeadLetterSink implements DeadLetterSink {

    private final Producer producer;

    public ProducerDeadLetterSink(Producer producer) {
        this.producer = producer;
    }

    @Override
    public void publish(ProducerRecord deadLetter) throws Exception {
        producer.send(deadLetter).get();
    }
}
