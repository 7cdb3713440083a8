package io.wharf.client.dlq;

/**
 * Carries one message through {@link DeadLetterPolicy}'s decisions: processes it, retrying with
 * backoff, or dead-letters it — blocking its key first when the policy says so. The steps shared
 * by the topic loop ({@link RecordHandler}) and the queue loop ({@link QueueDeadLetterLoop});
 * {@link MessageKind} is what differs. Runs on the caller's thread; waits through {@link Pause}.
 *
 * @param <M> the message type
 */
final class RetryThenDeadLetter<M> {

    private final DeadLetterPolicy policy;
    private final MessageKind<M> kind;
    private final Pause pause;

    RetryThenDeadLetter(DeadLetterPolicy policy, MessageKind<M> kind, Pause pause) {
        this.policy = policy;
        this.kind = kind;
        this.pause = pause;
    }

    /**
     * Processes or dead-letters {@code message}; when this returns, it may be committed or acked.
     *
     * @throws DeadLetterWriteException when its key block or dead letter could not be written
     * @throws InterruptedException when interrupted while waiting to retry
     */
    Outcome handle(M message) throws InterruptedException {
        byte[] key = kind.key(message);
        // Only ordered mode asks the store: unordered mode needs no block topic at all.
        boolean blocked = policy.ordered() && key != null && kind.isBlocked(message);
        Decision decision = policy.admit(key, blocked);
        int failed = 0;
        while (decision instanceof Decision.Process) {
            try {
                kind.process(message);
                return Outcome.PROCESSED;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                failed++;
                decision = policy.afterFailure(key, failed, e);
                if (decision instanceof Decision.Retry retry) {
                    pause.sleep(retry.delay());
                    decision = new Decision.Process();
                }
            }
        }
        Decision.DeadLetter deadLetter = (Decision.DeadLetter) decision;
        if (deadLetter.blocksKey()) {
            // The block goes first: once the dead letter is committed (or acked) past, the block is
            // what keeps the key's later messages out of the processor, across restarts and
            // rebalances (or a new active consumer).
            writeDurably("block of " + kind.describe(message), () -> kind.block(message, deadLetter.cause()));
        }
        writeDurably("dead letter of " + kind.describe(message), () -> kind.publishDeadLetter(message, deadLetter));
        return Outcome.DEAD_LETTERED;
    }

    /** A write the message cannot be committed without. */
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
}
