package io.wharf.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.client.TopicPartition;
import io.wharf.record.CompressionType;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** When the sender must look at the accumulator again. */
class RecordAccumulatorTest {

    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);
    private static final long LINGER_MS = 5;

    private final RecordAccumulator accumulator = new RecordAccumulator(100, LINGER_MS, CompressionType.NONE, 1L << 30);

    @Test
    void aReadyBatchItCannotSendDoesNotWakeTheSenderAtOnce() {
        appendFullBatches(P0, 0);

        assertEquals(10, accumulator.nextDeadlineMs(10, tp -> true), "ready and sendable: look now");
        // Held back (a request of that partition in flight): only a response, which wakes the sender, changes that.
        assertEquals(Long.MAX_VALUE, accumulator.nextDeadlineMs(10, tp -> false));
    }

    @Test
    void aLingeringBatchIsDueWhenItsLingerEnds() {
        appendFullBatches(P0, 0);
        append(P1, 3);

        assertEquals(3 + LINGER_MS, accumulator.nextDeadlineMs(4, tp -> tp.equals(P1)));
    }

    /** Two batches of {@code tp}: the first closed (full), so the partition is ready at once. */
    private void appendFullBatches(TopicPartition tp, long nowMs) {
        for (int i = 0; i < 4; i++) {
            append(tp, nowMs);
        }
    }

    private void append(TopicPartition tp, long nowMs) {
        ProducerRecord record = new ProducerRecord(tp.topic(), tp.partition(), nowMs, null, new byte[40], List.of());
        accumulator.append(tp, record, nowMs, record.estimatedSize(), new CompletableFuture<>(), null, false, nowMs, 0);
    }
}
