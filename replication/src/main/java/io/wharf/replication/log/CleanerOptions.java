package io.wharf.replication.log;

/**
 * The broker-wide settings of a cleaning ({@link LogCompaction#clean}). Immutable.
 *
 * @param dedupeBufferBytes memory for the key → latest offset map of one cleaning
 *                          ({@code log.cleaner.dedupe.buffer.size}); a dirty section whose keys do
 *                          not fit is cleaned in several passes, one run of whole segments each
 * @param throttle          paces reads and writes ({@code log.cleaner.io.max.bytes.per.second})
 */
public record CleanerOptions(long dedupeBufferBytes, IoThrottle throttle) {

    /** @throws IllegalArgumentException if the buffer is smaller than 1 KiB */
    public CleanerOptions {
        if (dedupeBufferBytes < 1024) {
            throw new IllegalArgumentException("log.cleaner.dedupe.buffer.size is " + dedupeBufferBytes
                    + " but must be at least 1024");
        }
        if (throttle == null) {
            throw new IllegalArgumentException("throttle must not be null; use IoThrottle.UNLIMITED");
        }
    }
}
