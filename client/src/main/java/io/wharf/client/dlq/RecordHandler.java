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

    /** How a record ended. */
    public enum Outcome {
        /** The processor succeeded. */
        PROCESSED,
        /** Its dead letter is acknowledged. */
        DEAD_LETTERED
    }

    private final DeadLetterPolicy policy;
    private final RecordProcessor processor;
    private final DeadLetterSink sink;
    private final KeyBlockStore blocks;
    private final UnaryOperator<String> deadLetterTopic;
    private final Pause pause;
    private final LongSupplier clockMs;

    /**
     * @param deadLetterTopic the dead-letter topic of a source topic
     * @param clockMs ms since the epoch, for {@code error.timestamp}
     */
    public RecordHandler(DeadLetterPolicy policy, RecordProcessor processor, DeadLetterSink sink,
                         KeyBlockStore blocks, UnaryOperator<String> deadLetterTopic, Pause pause,
                         LongSupplier clockMs) {
        this.policy = policy;
        this.processor = processor;
        this.sink = sink;
        this.blocks = blocks;
        this.deadLetterTopic = deadLetterTopic;
        this.pause = pause;
        this.clockMs = clockMs;
    }

    /**
     * Processes or dead-letters {@code record}.
     *
     * @throws DeadLetterWriteException when its key block or dead letter could not be written
     * @throws InterruptedException when interrupted while waiting to retry
     */
    public Outcome handle(ConsumerRecord record) throws InterruptedException {
        // Only ordered mode asks the store: unordered mode needs no block topic at all.
        boolean blocked = policy.ordered() && record.key() != null && blocks.isBlocked(record.topic(), record.key());
        Decision decision = policy.admit(record.key(), blocked);
        int failed = 0;
        while (decision instanceof Decision.Process) {
            try {
                processor.process(record);
                return Outcome.PROCESSED;
            } catch (Exception e) {
                failed++;
                decision = policy.afterFailure(record.key(), failed, e);
                if (decision instanceof Decision.Retry retry) {
                    pause.sleep(retry.delay());
                    decision = new Decision.Process();
                }
            }
        }
        Decision.DeadLetter deadLetter = (Decision.DeadLetter) decision;
        if (deadLetter.blocksKey()) {
            // The block goes first: once the dead letter is committed past, the block is what
            // keeps the key's later records out of the processor, across restarts and rebalances.
            writeDurably("block of " + where(record), () -> blocks.block(record, deadLetter.cause()));
        }
        writeDurably("dead letter of " + where(record), () -> sink.publish(DeadLetterRecord.of(record,
                deadLetterTopic.apply(record.topic()), deadLetter.cause(), deadLetter.message(), clockMs.getAsLong())));
        return Outcome.DEAD_LETTERED;
    }

    /** A write the record cannot be committed without. */
    private interface Write {
        void run() throws Exception;
    }

    private void writeDurably(String what, Write write) throws InterruptedException {
        RetryBackoff backoff = policy.backoff();
        for (int failed = 1; ; failed++) {
            try {
                write.run();
                return;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                if (backoff.exhausted(failed)) {
                    throw new DeadLetterWriteException(what + " failed " + failed + " times", e);
                }
                pause.sleep(backoff.delayAfter(failed));
            }
        }
    }

    private static String where(ConsumerRecord record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }
}
