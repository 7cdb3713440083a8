package io.wharf.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchResultTest {

    private final BenchResult result = new BenchResult(1000, 1024L * 1024L, 2_000_000_000L,
            new LatencySummary(2.5, 2, 4, 8, 9.5, 12, 1000));

    @Test
    void ratesAreRecordsAndMebibytesPerSecond() {
        assertEquals(500.0, result.recordsPerSecond(), 1e-9);
        assertEquals(0.5, result.megabytesPerSecond(), 1e-9);
    }

    @Test
    void textFollowsKafkasProducerPerformanceLine() {
        assertEquals("1000 records sent, 500.0 records/sec (0.50 MB/sec), 2.50 ms avg latency, 12.00 ms max latency, "
                + "2.00 ms 50th, 4.00 ms 95th, 8.00 ms 99th, 9.50 ms 99.9th.", result.toText("sent"));
    }

    @Test
    void jsonNamesEveryFigure() {
        Map<String, Object> json = result.toJson();
        assertEquals(500.0, json.get("records_per_sec"));
        assertEquals(0.5, json.get("mb_per_sec"));
        @SuppressWarnings("unchecked")
        Map<String, Object> latency = (Map<String, Object>) json.get("latency_ms");
        assertEquals(8.0, latency.get("p99"));
        assertEquals(9.5, latency.get("p999"));
    }
}
