package io.wharf.replication.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.replication.log.SegmentRetention.ClosedSegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The retention decision alone: which of the oldest closed segments go, for given sizes, times and limits. */
class SegmentRetentionTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;

    /** Closed segments of 10 offsets each with the given sizes and newest timestamps. */
    private static List<ClosedSegment> segments(long[] sizes, long[] maxTimestamps) {
        List<ClosedSegment> segments = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            segments.add(new ClosedSegment(i * 10L, i * 10L + 10, sizes[i], maxTimestamps[i]));
        }
        return segments;
    }

    @Test
    void timeRetentionDeletesTheOldestExpiredSegmentsAndStopsAtTheFirstThatIsNot() {
        List<ClosedSegment> closed = segments(new long[] {100, 100, 100, 100},
                new long[] {NOW - 5 * HOUR, NOW - 3 * HOUR, NOW - HOUR, NOW - 4 * HOUR});
        RetentionPolicy twoHours = new RetentionPolicy(2 * HOUR, -1);
        assertEquals(2, SegmentRetention.deletableSegments(closed, 500, NOW, twoHours, Long.MAX_VALUE),
                "the fourth is expired too, but a newer segment before it stops deletion");
        assertEquals(0, SegmentRetention.deletableSegments(closed, 500, NOW, new RetentionPolicy(5 * HOUR, -1),
                Long.MAX_VALUE), "exactly at the limit is not past it");
        assertEquals(0, SegmentRetention.deletableSegments(closed, 500, NOW, RetentionPolicy.KEEP_FOREVER,
                Long.MAX_VALUE));
    }

    @Test
    void aSegmentWithoutTimestampsNeverExpiresByTime() {
        List<ClosedSegment> closed = segments(new long[] {100, 100}, new long[] {-1, NOW - 9 * HOUR});
        assertEquals(0, SegmentRetention.deletableSegments(closed, 300, NOW, new RetentionPolicy(HOUR, -1),
                Long.MAX_VALUE));
    }

    @Test
    void sizeRetentionKeepsAtLeastTheLimitCountingTheActiveSegment() {
        List<ClosedSegment> closed = segments(new long[] {100, 200, 300}, new long[] {NOW, NOW, NOW});
        // 100 + 200 + 300 closed, 50 active: 650 in all.
        assertEquals(2, SegmentRetention.deletableSegments(closed, 650, NOW, new RetentionPolicy(-1, 350), Long.MAX_VALUE));
        assertEquals(1, SegmentRetention.deletableSegments(closed, 650, NOW, new RetentionPolicy(-1, 351), Long.MAX_VALUE));
        assertEquals(3, SegmentRetention.deletableSegments(closed, 650, NOW, new RetentionPolicy(-1, 0), Long.MAX_VALUE),
                "0 bytes deletes every closed segment, never the active one");
        assertEquals(0, SegmentRetention.deletableSegments(closed, 650, NOW, new RetentionPolicy(-1, 650), Long.MAX_VALUE));
    }

    @Test
    void eitherLimitDeletesAndTheUpperBoundCapsBoth() {
        List<ClosedSegment> closed = segments(new long[] {100, 100, 100, 100},
                new long[] {NOW - 9 * HOUR, NOW, NOW, NOW});
        RetentionPolicy both = new RetentionPolicy(HOUR, 150);
        assertEquals(3, SegmentRetention.deletableSegments(closed, 450, NOW, both, Long.MAX_VALUE));
        assertEquals(2, SegmentRetention.deletableSegments(closed, 450, NOW, both, 29), "offset 29 is in the third");
        assertEquals(3, SegmentRetention.deletableSegments(closed, 450, NOW, both, 30), "the third ends at 30");
        assertEquals(0, SegmentRetention.deletableSegments(closed, 450, NOW, both, 9));
    }

    @Test
    void randomLogsAgreeWithADirectStatementOfTheRules() {
        Random random = new Random(20261124L);
        for (int round = 0; round < 20_000; round++) {
            int count = random.nextInt(8);
            long[] sizes = new long[count];
            long[] times = new long[count];
            long closedBytes = 0;
            for (int i = 0; i < count; i++) {
                sizes[i] = random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(300);
                times[i] = random.nextInt(6) == 0 ? -1 : NOW - random.nextInt(10) * HOUR + random.nextInt(3) - 1;
                closedBytes += sizes[i];
            }
            List<ClosedSegment> closed = segments(sizes, times);
            long logSize = closedBytes + random.nextInt(300);
            RetentionPolicy policy = new RetentionPolicy(random.nextInt(3) == 0 ? -1 : random.nextInt(10) * HOUR,
                    random.nextInt(3) == 0 ? -1 : random.nextInt((int) logSize + 2));
            long bound = random.nextInt(4) == 0 ? Long.MAX_VALUE : random.nextInt(count * 10 + 2);
            String context = "round " + round + ": sizes " + Arrays.toString(sizes) + ", times "
                    + Arrays.toString(times) + ", log " + logSize + ", " + policy + ", bound " + bound;

            int decided = SegmentRetention.deletableSegments(closed, logSize, NOW, policy, bound);

            assertEquals(model(closed, logSize, policy, bound), decided, context);
            assertTrue(decided >= 0 && decided <= count, context);
            for (int i = 0; i < decided; i++) {
                assertTrue(closed.get(i).nextOffset() <= bound, "deleted a segment above the bound; " + context);
            }
        }
    }

    /**
     * The rules stated one segment at a time: the k oldest may go when each of them ends within
     * the bound and either it and every older one are past retention.ms, or the log without the
     * k oldest is still at least retention.bytes. The answer is the largest such k.
     */
    private static int model(List<ClosedSegment> closed, long logSize, RetentionPolicy policy, long bound) {
        int best = 0;
        for (int k = 1; k <= closed.size(); k++) {
            boolean withinBound = true;
            boolean allExpired = policy.retentionMs() >= 0;
            long kept = logSize;
            for (int i = 0; i < k; i++) {
                ClosedSegment segment = closed.get(i);
                withinBound &= segment.nextOffset() <= bound;
                allExpired &= segment.maxTimestamp() >= 0 && NOW - segment.maxTimestamp() > policy.retentionMs();
                kept -= segment.sizeInBytes();
            }
            boolean bySize = policy.retentionBytes() >= 0 && kept >= policy.retentionBytes();
            if (withinBound && (allExpired || bySize)) {
                best = k;
            } else {
                break;
            }
        }
        return best;
    }
}
