package io.wharf.client.dlq;

import io.wharf.client.consumer.ConsumerRecord;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * Carries one record through {@link DeadLetterPolicy}'s decisions: processes it, retrying with
 * backoff, or dead-letters it — blocking its key first when the policy says so. When
 * {@link #handle} returns, the record may be committed: it was processed, or its dead letter (and
 * key block) is acknowledged. Runs on the caller's thread; waits through {@link Pause}.
 */
public final class RecordHandler {

    private final RetryThenDeadLetter<ConsumerRecord> steps;

    /**
     * @param deadLetterTopic the dead-letter topic of a source topic
     * @param clockMs ms since the epoch, for {@code error.timestamp}
     */
    public RecordHandler(DeadLetterPolicy policy, RecordProcessor processor, DeadLetterSink sink,
                         KeyBlockStore blocks, UnaryOperator<String> deadLetterTopic, Pause pause,
                         LongSupplier clockMs) {
        this.steps = new RetryThenDeadLetter<>(policy, new Records(processor, sink, blocks, deadLetterTopic, clockMs),
                pause);
    }

    /**
     * Processes or dead-letters {@code record}.
     *
     * @throws DeadLetterWriteException when its key block or dead letter could not be written
     * @throws InterruptedException when interrupted while waiting to retry
     */
    public Outcome handle(ConsumerRecord record) throws InterruptedException {
        return steps.handle(record);
    }

    /** Topic records: keyed by the record key, blocked per (topic, key), dead letters to the topic's DLQ. */
    private record Records(RecordProcessor processor, DeadLetterSink sink, KeyBlockStore blocks,
                           UnaryOperator<String> deadLetterTopic, LongSupplier clockMs)
            implements MessageKind<ConsumerRecord> {

        @Override
        public byte[] key(ConsumerRecord record) {
            return record.key();
        }

        @Override
        public boolean isBlocked(ConsumerRecord record) {
            return blocks.isBlocked(record.topic(), record.key());
        }

        @Override
        public void process(ConsumerRecord record) throws Exception {
            processor.process(record);
        }

        @Override
        public void block(ConsumerRecord record, String cause) throws Exception {
            blocks.block(record.topic(), record.key(), record.partition(), record.offset(), cause);
        }

        @Override
        public void publishDeadLetter(ConsumerRecord record, Decision.DeadLetter decision) throws Exception {
            sink.publish(DeadLetterRecord.of(record, deadLetterTopic.apply(record.topic()), decision.cause(),
                    decision.message(), clockMs.getAsLong()));
        }

        @Override
        public String describe(ConsumerRecord record) {
            return record.topic() + "-" + record.partition() + "@" + record.offset();
        }
    }
}
