package io.wharf.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProgressWindowTest {

    @Test
    void aWindowReportsItsOwnRecordsAndThenStartsOver() {
        ProgressWindow window = new ProgressWindow();
        window.record(1024, 2000);
        window.record(1024, 4000);
        assertEquals("2 records sent, 1.0 records/sec (0.00 MB/sec), 3.0 ms avg latency, 4.0 ms max latency.",
                window.drain(2_000_000_000L, "sent"));
        assertEquals("0 records sent, 0.0 records/sec (0.00 MB/sec), 0.0 ms avg latency, 0.0 ms max latency.",
                window.drain(1_000_000_000L, "sent"));
    }
}
