package io.wharf.replication.log;

/**
 * Paces the cleaner's disk I/O ({@code log.cleaner.io.max.bytes.per.second}): told of every
 * chunk read or written, it blocks the calling thread long enough to keep the average rate at or
 * under the limit. Implementations are used by one cleaning thread at a time.
 */
public interface IoThrottle {

    /** No limit. */
    IoThrottle UNLIMITED = bytes -> { };

    /**
     * Accounts {@code bytes} of I/O just done, sleeping if the rate would otherwise pass the limit.
     *
     * @throws InterruptedException if the thread is interrupted while paced
     */
    void onBytes(long bytes) throws InterruptedException;
}
