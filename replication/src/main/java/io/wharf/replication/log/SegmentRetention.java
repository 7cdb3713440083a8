package io.wharf.replication.log;

import java.util.List;

/**
 * The retention decision, without I/O: given a log's closed segments oldest first, its total
 * size, the time and a {@link RetentionPolicy}, how many of the oldest segments go. Stateless.
 *
 * <p>As Kafka: a segment breaks {@code retention.ms} when {@code now - its newest timestamp >
 * retention.ms} (a segment without timestamps never does), and deletion by time stops at the
 * first segment that does not break it. By size, the oldest segments go while the log without
 * them is still at least {@code retention.bytes}. Whatever either limit allows goes, but only
 * segments that end at or below {@code upperBoundOffset} (the high watermark: records not yet
 * replicated are never deleted) and never the active segment, which is not in the list.
 */
public final class SegmentRetention {

    /**
     * One closed (no longer appended to) segment.
     *
     * @param baseOffset   its first offset
     * @param nextOffset   the offset just past it: the next segment's base offset
     * @param sizeInBytes  bytes of batches in it
     * @param maxTimestamp its newest record timestamp, negative when its batches carry none
     */
    public record ClosedSegment(long baseOffset, long nextOffset, long sizeInBytes, long maxTimestamp) {
    }

    private SegmentRetention() {
    }

    /**
     * How many of {@code closedOldestFirst}, from the oldest, retention deletes.
     *
     * @param closedOldestFirst the closed segments, oldest first (the active one excluded)
     * @param logSizeInBytes    the size of the whole log, active segment included
     * @param nowMs             the current time
     * @param upperBoundOffset  no segment reaching past this offset is deleted
     */
    public static int deletableSegments(List<ClosedSegment> closedOldestFirst, long logSizeInBytes, long nowMs,
                                        RetentionPolicy policy, long upperBoundOffset) {
        int byTime = 0;
        if (policy.retentionMs() >= 0) {
            while (byTime < closedOldestFirst.size() && expired(closedOldestFirst.get(byTime), nowMs, policy)) {
                byTime++;
            }
        }
        int bySize = 0;
        if (policy.retentionBytes() >= 0) {
            long remaining = logSizeInBytes;
            while (bySize < closedOldestFirst.size()
                    && remaining - closedOldestFirst.get(bySize).sizeInBytes() >= policy.retentionBytes()) {
                remaining -= closedOldestFirst.get(bySize).sizeInBytes();
                bySize++;
            }
        }
        int wanted = Math.max(byTime, bySize);
        int allowed = 0;
        while (allowed < wanted && closedOldestFirst.get(allowed).nextOffset() <= upperBoundOffset) {
            allowed++;
        }
        return allowed;
    }

    private static boolean expired(ClosedSegment segment, long nowMs, RetentionPolicy policy) {
        return segment.maxTimestamp() >= 0 && nowMs - segment.maxTimestamp() > policy.retentionMs();
    }
}
