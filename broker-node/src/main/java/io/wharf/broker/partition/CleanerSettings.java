package io.wharf.broker.partition;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * The broker's {@code log.cleaner.*} settings, which the {@link CleanerThread} runs with. Immutable.
 *
 * @param enabled             whether the cleaner thread runs at all ({@code log.cleaner.enable});
 *                            without it compacted topics keep every record
 * @param dedupeBufferBytes   memory for the key map of one cleaning ({@code log.cleaner.dedupe.buffer.size})
 * @param ioMaxBytesPerSecond the cleaner's read and write rate limit, empty for none
 *                            ({@code log.cleaner.io.max.bytes.per.second})
 * @param backoff             the pause when no compacted log is worth cleaning ({@code log.cleaner.backoff.ms})
 */
public record CleanerSettings(boolean enabled, long dedupeBufferBytes, OptionalLong ioMaxBytesPerSecond,
                              Duration backoff) {
}
