package io.wharf.replication.log;

/**
 * What the cleaner could do to one compacted log now (Kafka's LogToClean): the clean section
 * {@code [logStart, firstDirtyOffset)} was compacted before; the dirty section
 * {@code [firstDirtyOffset, cleanableEndOffset)} was not, and lies wholly in closed segments below
 * the high watermark, the recovery point and {@code min.compaction.lag.ms}. Immutable.
 *
 * @param firstDirtyOffset    where the last cleaning stopped (or the log start)
 * @param cleanableEndOffset  the end of the dirty section: a segment boundary
 * @param cleanBytes          bytes in the clean section
 * @param dirtyBytes          bytes in the dirty section
 * @param compactionDue       the dirty section holds a record older than {@code max.compaction.lag.ms}
 */
public record CleanableSection(long firstDirtyOffset, long cleanableEndOffset, long cleanBytes, long dirtyBytes,
                               boolean compactionDue) {

    /** The share of the cleanable bytes that is dirty: 0 when there is nothing to clean. */
    public double dirtyRatio() {
        long total = cleanBytes + dirtyBytes;
        return total == 0 ? 0 : (double) dirtyBytes / total;
    }

    /** Whether the cleaner should take this log: dirty enough for {@code minDirtyRatio}, or due by the maximum lag. */
    public boolean worthCleaning(double minDirtyRatio) {
        return dirtyBytes > 0 && (compactionDue || dirtyRatio() >= minDirtyRatio);
    }
}
