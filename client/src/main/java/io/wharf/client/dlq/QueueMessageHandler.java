package io.wharf.client.dlq;

import io.wharf.client.queue.QueueDelivery;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * {@link RecordHandler}'s counterpart for queue messages: carries one delivery through
 * {@link DeadLetterPolicy}'s decisions — processes it, retrying with backoff, or dead-letters it
 * to the queue's dead-letter exchange, blocking its key first when the policy says so. In ordered
 * mode the key is the value (UTF-8) of a header; a message without that header has no key, is
 * never blocked and never blocks. When {@link #handle} returns, the delivery may be acked. It
 * does not settle the delivery itself. Runs on the caller's thread; waits through {@link Pause}.
 */
public final class QueueMessageHandler {

    private final RetryThenDeadLetter<QueueDelivery> steps;

    /**
     * @param orderingKeyHeader the header naming a message's key; empty when the policy is unordered
     * @param clockMs ms since the epoch, for {@code error.timestamp}
     */
    public QueueMessageHandler(DeadLetterPolicy policy, QueueMessageProcessor processor, QueueDeadLetterSink sink,
                               KeyBlockStore blocks, DeadLetterExchange target, Optional<String> orderingKeyHeader,
                               Pause pause, LongSupplier clockMs) {
        if (policy.ordered() && orderingKeyHeader.isEmpty()) {
            throw new IllegalArgumentException("ordered mode needs the header that names a message's key");
        }
        this.steps = new RetryThenDeadLetter<>(policy,
                new Deliveries(processor, sink, blocks, target, orderingKeyHeader, clockMs), pause);
    }

    /**
     * Processes or dead-letters {@code delivery}.
     *
     * @throws DeadLetterWriteException when its key block or dead letter could not be written
     * @throws InterruptedException when interrupted while waiting to retry
     */
    public Outcome handle(QueueDelivery delivery) throws InterruptedException {
        return steps.handle(delivery);
    }

    /** Queue deliveries: keyed by a header, blocked per (queue, key), dead letters to the queue's DLX. */
    private record Deliveries(QueueMessageProcessor processor, QueueDeadLetterSink sink, KeyBlockStore blocks,
                              DeadLetterExchange target, Optional<String> orderingKeyHeader, LongSupplier clockMs)
            implements MessageKind<QueueDelivery> {

        @Override
        public byte[] key(QueueDelivery delivery) {
            return orderingKeyHeader.map(header -> delivery.message().getHeadersMap().get(header))
                    .map(value -> value.getBytes(StandardCharsets.UTF_8)).orElse(null);
        }

        @Override
        public boolean isBlocked(QueueDelivery delivery) {
            return blocks.isBlocked(delivery.queue(), key(delivery));
        }

        @Override
        public void process(QueueDelivery delivery) throws Exception {
            processor.process(delivery);
        }

        @Override
        public void block(QueueDelivery delivery, String cause) throws Exception {
            // A queue is one sequence: partition 0, and the delivery tag is the message's id in it.
            blocks.block(delivery.queue(), key(delivery), 0, delivery.deliveryTag(), cause);
        }

        @Override
        public void publishDeadLetter(QueueDelivery delivery, Decision.DeadLetter decision) throws Exception {
            sink.publish(QueueDeadLetter.of(delivery, target, decision.cause(), decision.message(), clockMs.getAsLong()));
        }

        @Override
        public String describe(QueueDelivery delivery) {
            return "message " + delivery.deliveryTag() + " of queue '" + delivery.queue() + "'";
        }
    }
}
