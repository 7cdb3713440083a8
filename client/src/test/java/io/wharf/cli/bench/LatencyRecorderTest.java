package io.wharf.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyRecorderTest {

    @Test
    void oneToThousandMillisecondsGiveTheTextbookPercentiles() {
        LatencyRecorder recorder = new LatencyRecorder();
        List<Long> shuffled = new ArrayList<>();
        for (long ms = 1; ms <= 1000; ms++) {
            shuffled.add(ms * 1000);
        }
        Collections.shuffle(shuffled, new Random(3));
        shuffled.forEach(recorder::record);
        LatencySummary summary = recorder.summary();
        assertEquals(500.5, summary.avg(), 1e-9);
        assertEquals(500.0, summary.p50());
        assertEquals(950.0, summary.p95());
        assertEquals(990.0, summary.p99());
        assertEquals(999.0, summary.p999());
        assertEquals(1000.0, summary.max());
        assertEquals(1000, summary.samples());
    }

    @Test
    void aSingleSampleIsEveryPercentileAndNoSamplesAreZeros() {
        LatencyRecorder recorder = new LatencyRecorder();
        assertEquals(new LatencySummary(0, 0, 0, 0, 0, 0, 0), recorder.summary());
        recorder.record(1500);
        LatencySummary summary = recorder.summary();
        assertEquals(new LatencySummary(1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1), summary);
    }

    @Test
    void percentilesAreOrderedAndBoundedForRandomSamples() {
        Random random = new Random(11);
        for (int round = 0; round < 200; round++) {
            LatencyRecorder recorder = new LatencyRecorder();
            int n = 1 + random.nextInt(3000);
            long min = Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                long sample = (long) Math.abs(random.nextGaussian() * 5000) + random.nextInt(100);
                min = Math.min(min, sample);
                recorder.record(sample);
            }
            LatencySummary s = recorder.summary();
            assertTrue(min / 1000.0 <= s.p50() && s.p50() <= s.p95() && s.p95() <= s.p99() && s.p99() <= s.p999()
                    && s.p999() <= s.max(), s.toString());
            assertTrue(s.avg() <= s.max() && s.avg() >= min / 1000.0, s.toString());
        }
    }

    @Test
    void anIntervalSummarisesOnlyTheSamplesRecordedInIt() {
        LatencyRecorder recorder = new LatencyRecorder();
        for (long ms = 1; ms <= 100; ms++) {
            recorder.record(ms * 1000);
        }
        int mark = recorder.count();
        for (long ms = 1001; ms <= 1004; ms++) {
            recorder.record(ms * 1000);
        }
        assertEquals(new LatencySummary(1002.5, 1002.0, 1004.0, 1004.0, 1004.0, 1004.0, 4),
                recorder.summaryBetween(mark, recorder.count()));
        assertEquals(50.0, recorder.summaryBetween(0, mark).p50());
        assertEquals(new LatencySummary(0, 0, 0, 0, 0, 0, 0), recorder.summaryBetween(mark, mark));
        assertThrows(IllegalArgumentException.class, () -> recorder.summaryBetween(mark, recorder.count() + 1));
    }
}
