package io.wharf.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.record.CompressionType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** When the sender must look at the accumulator again, and in which order retries leave. */
class RecordAccumulatorTest {

    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);
    private static final long LINGER_MS = 5;

    private final RecordAccumulator accumulator = new RecordAccumulator(100, LINGER_MS, CompressionType.NONE, 1L << 30);

    @Test
    void aReadyBatchItCannotSendDoesNotWakeTheSenderAtOnce() {
        appendFullBatches(P0, 0);

        assertEquals(10, accumulator.nextDeadlineMs(10, head -> true), "ready and sendable: look now");
        // Held back (a request of that partition in flight): only a response, which wakes the sender, changes that.
        assertEquals(Long.MAX_VALUE, accumulator.nextDeadlineMs(10, head -> false));
    }

    @Test
    void aLingeringBatchIsDueWhenItsLingerEnds() {
        appendFullBatches(P0, 0);
        append(P1, 3);

        assertEquals(3 + LINGER_MS, accumulator.nextDeadlineMs(4, head -> head.tp.equals(P1)));
    }

    @Test
    void retriesOfPipelinedRequestsAnsweredInAnyOrderLeaveInTheOrderFirstSent() {
        for (int i = 0; i < 6; i++) {
            append(P0, 0); // a batch each: two records do not fit in 100 bytes
        }
        List<ProducerBatch> sent = new ArrayList<>();
        for (int request = 0; request < 5; request++) {
            sent.addAll(drainOneRequest(1)); // max.request.size 1: one batch per request
        }

        // answers to requests 2..5 come back 4, 2, 5, 3 (the 1st succeeded)
        for (int request : new int[] {3, 1, 4, 2}) {
            accumulator.reenqueue(P0, List.of(sent.get(request)), 20);
        }

        List<ProducerBatch> resent = drainOneRequest(1 << 20);
        assertEquals(sent.subList(1, 5), resent.subList(0, 4), "the retries, in the order first sent");
        assertEquals(5, resent.size(), "then the batch never sent");
        assertTrue(resent.subList(0, 4).stream().allMatch(batch -> batch.attempts == 1));
    }

    private List<ProducerBatch> drainOneRequest(int maxRequestBytes) {
        Endpoint broker = new Endpoint("b", 1);
        return accumulator.drain(20, head -> broker, maxRequestBytes, batch -> true).get(broker).get(P0);
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
