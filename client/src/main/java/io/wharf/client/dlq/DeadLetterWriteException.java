package io.wharf.client.dlq;

/**
 * A dead letter or a key block could not be written within the retry budget. The record was not
 * committed, so whoever reads the partition next (this consumer after a restart, or the next
 * owner) handles it again.
 */
public final class DeadLetterWriteException extends RuntimeException {

    DeadLetterWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}
