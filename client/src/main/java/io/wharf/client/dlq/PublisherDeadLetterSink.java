package io.wharf.client.dlq;

import io.wharf.client.ClientException;
import io.wharf.client.queue.PublishOutcome;
import io.wharf.client.queue.QueuePublisher;
import io.wharf.proto.common.ErrorCode;

/**
 * Publishes queue dead letters with a {@link QueuePublisher}, mandatory, and waits for each
 * confirm (the publisher's delivery timeout bounds the wait): a dead letter counts as written only
 * once every queue the exchange routed it to has committed it. One that no queue would take is
 * returned, and fails like a nack, so that it is not acked away from its source.
 */
public final class PublisherDeadLetterSink implements QueueDeadLetterSink {

    private final QueuePublisher publisher;

    public PublisherDeadLetterSink(QueuePublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public void publish(QueueDeadLetter deadLetter) throws Exception {
        PublishOutcome outcome = publisher.publish(deadLetter.exchange(), deadLetter.routingKey(), deadLetter.message(),
                true).get();
        if (!outcome.acked()) {
            String where = "exchange '" + deadLetter.exchange() + "' with routing key '" + deadLetter.routingKey() + "'";
            throw outcome.status() == PublishOutcome.Status.RETURNED
                    ? new ClientException(ErrorCode.NOT_FOUND, "the dead letter to " + where
                            + " was returned: no queue is bound for it")
                    : new ClientException(outcome.error(), "the dead letter to " + where + " was nacked: "
                            + outcome.message());
        }
    }
}
