package io.wharf.replication.log;

/**
 * What one cleaning of a log did. Immutable.
 *
 * @param firstDirtyOffsetBefore where the dirty section began
 * @param firstDirtyOffsetAfter  where it begins now (the end of what this cleaning deduplicated)
 * @param bytesRead              bytes of segments read (the offset map pass and the rewrite)
 * @param bytesBefore            size of the segments replaced
 * @param bytesAfter             size of the segments that replaced them
 * @param segmentsBefore         segments replaced
 * @param segmentsAfter          segments written in their place (small ones are merged)
 * @param recordsRemoved         superseded records and expired tombstones dropped
 */
public record CleanResult(long firstDirtyOffsetBefore, long firstDirtyOffsetAfter, long bytesRead, long bytesBefore,
                          long bytesAfter, int segmentsBefore, int segmentsAfter, long recordsRemoved) {

    /** A cleaning that found nothing to do. */
    public static CleanResult nothing(long firstDirtyOffset) {
        return new CleanResult(firstDirtyOffset, firstDirtyOffset, 0, 0, 0, 0, 0, 0);
    }
}
