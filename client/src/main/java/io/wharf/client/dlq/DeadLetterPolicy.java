package io.wharf.client.dlq;

/**
 * Decides, without I/O, what happens to a record: process it, retry it after a backoff, or
 * dead-letter it. In ordered mode a record whose key is blocked is dead-lettered without being
 * processed, and a record that is dead-lettered after failing blocks its key, so that a key's
 * records reach the dead-letter topic as a contiguous run in source order.
 *
 * <p>Keyless records are never blocked and never block: with no key there is no order to keep
 * (they are spread over partitions), so in ordered mode they behave as in unordered mode.
 */
public final class DeadLetterPolicy {

    /** {@code error.cause} of a record dead-lettered because an earlier record of its key was. */
    public static final String BLOCKED_BY_PREVIOUS_FAILURE = "blocked_by_previous_failure";

    private final RetryBackoff backoff;
    private final boolean ordered;

    /**
     * @param backoff attempts and delays
     * @param ordered whether a failed key blocks its later records
     */
    public DeadLetterPolicy(RetryBackoff backoff, boolean ordered) {
        this.backoff = backoff;
        this.ordered = ordered;
    }

    /** Whether records of a failed key block the key's later ones. */
    public boolean ordered() {
        return ordered;
    }

    /** The retry schedule. */
    public RetryBackoff backoff() {
        return backoff;
    }

    /**
     * Before the first attempt.
     *
     * @param key the record's key, or null
     * @param keyBlocked whether the record's (topic, key) is blocked now
     */
    public Decision admit(byte[] key, boolean keyBlocked) {
        if (ordered && key != null && keyBlocked) {
            return new Decision.DeadLetter(BLOCKED_BY_PREVIOUS_FAILURE,
                    "an earlier record with this key was dead-lettered and the key is not released yet", false);
        }
        return new Decision.Process();
    }

    /**
     * After a failed attempt.
     *
     * @param key the record's key, or null
     * @param failedAttempts failures so far, counting this one (from 1)
     * @param failure what the processor threw
     */
    public Decision afterFailure(byte[] key, int failedAttempts, Exception failure) {
        if (!backoff.exhausted(failedAttempts)) {
            return new Decision.Retry(backoff.delayAfter(failedAttempts));
        }
        String message = failure.getMessage() == null ? "" : failure.getMessage();
        return new Decision.DeadLetter(failure.getClass().getName(), message, ordered && key != null);
    }
}
