package io.wharf.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.broker.TopicPartition;
import io.wharf.replication.log.CleanResult;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the log cleaner's reports put in the exposition a scrape would serve. */
class CleanerMetricsTest {

    private final BrokerMetrics metrics = new BrokerMetrics(List::of);
    private final CleanerMetrics cleaner = new CleanerMetrics(metrics);

    @Test
    void everyInstrumentIsServedFromTheStart() {
        Exposition empty = Exposition.scrape(metrics.registry());
        assertEquals(Optional.of("counter"), empty.type("wharf_log_cleaner_cleanings_total"));
        for (String counter : List.of("wharf_log_cleaner_cleanings_total", "wharf_log_cleaner_read_bytes_total",
                "wharf_log_cleaner_removed_bytes_total", "wharf_log_cleaner_removed_records_total")) {
            assertEquals(0.0, empty.value(counter).orElseThrow(), counter);
        }
        assertEquals(Optional.of("gauge"), empty.type("wharf_log_cleaner_max_dirty_ratio"));
        assertEquals(0.0, empty.value("wharf_log_cleaner_max_dirty_ratio").orElseThrow());
        assertEquals(0.0, empty.value("wharf_log_cleaner_last_cleaning_seconds").orElseThrow());
    }

    @Test
    void cleaningsAddUpAndTheGaugesShowTheLatest() {
        TopicPartition tp = new TopicPartition("compacted", 0);
        cleaner.measured(0.75);
        cleaner.cleaned(tp, new CleanResult(0, 400, 9_000, 6_000, 1_500, 4, 1, 300), TimeUnit.MILLISECONDS.toNanos(250));
        cleaner.measured(0.4);
        cleaner.cleaned(tp, new CleanResult(400, 800, 3_000, 2_500, 2_000, 2, 1, 50), TimeUnit.MILLISECONDS.toNanos(40));

        Exposition scraped = Exposition.scrape(metrics.registry());
        assertEquals(2.0, scraped.value("wharf_log_cleaner_cleanings_total").orElseThrow());
        assertEquals(12_000.0, scraped.value("wharf_log_cleaner_read_bytes_total").orElseThrow());
        assertEquals(5_000.0, scraped.value("wharf_log_cleaner_removed_bytes_total").orElseThrow(),
                "bytes before minus bytes after, summed");
        assertEquals(350.0, scraped.value("wharf_log_cleaner_removed_records_total").orElseThrow());
        assertEquals(0.04, scraped.value("wharf_log_cleaner_last_cleaning_seconds").orElseThrow(), 1e-12);
        assertEquals(0.4, scraped.value("wharf_log_cleaner_max_dirty_ratio").orElseThrow(), "as of the last round");
    }
}
