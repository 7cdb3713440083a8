package io.wharf.client.dlq;

import java.time.Duration;

/** What {@link DeadLetterPolicy} says to do with a record next. */
public sealed interface Decision {

    /** Run the processor on it. */
    record Process() implements Decision {
    }

    /**
     * Wait, then run the processor again.
     *
     * @param delay how long to wait
     */
    record Retry(Duration delay) implements Decision {
    }

    /**
     * Publish it to the dead-letter topic, then commit it.
     *
     * @param cause the {@code error.cause} header: the failure's class name, or
     *              {@link DeadLetterPolicy#BLOCKED_BY_PREVIOUS_FAILURE}
     * @param message the {@code error.message} header
     * @param blocksKey whether its key must be blocked (durably) before the dead letter is published
     */
    record DeadLetter(String cause, String message, boolean blocksKey) implements Decision {
    }
}
