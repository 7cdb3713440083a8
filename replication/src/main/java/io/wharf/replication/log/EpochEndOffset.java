package io.wharf.replication.log;

/**
 * Answer to "where does epoch E end in this log?": the largest epoch at or below E that this log
 * knows and the offset just past its last batch. {@link #UNDEFINED} when the log knows no epoch
 * at or below E. Immutable.
 */
public record EpochEndOffset(int epoch, long endOffset) {
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1L);
}
