package io.wharf.client.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wharf.client.consumer.ConsumerRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order of writes and waits around one record, with scripted failures. */
class RecordHandlerTest {

    private final List<String> events = new ArrayList<>();
    private final ConsumerRecord record = new ConsumerRecord("orders", 0, 7L, 0L,
            "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8), List.of());
    private int sinkFailures;
    private int blockFailures;

    private RecordHandler handler(RecordProcessor processor) {
        KeyBlockStore store = new KeyBlockStore() {
            @Override
            public boolean isBlocked(String source, byte[] key) {
                return false;
            }

            @Override
            public void block(String source, byte[] key, int partition, long offset, String cause) {
                if (blockFailures-- > 0) {
                    events.add("block failed");
                    throw new IllegalStateException("block not acked");
                }
                events.add("block " + offset);
            }
        };
        DeadLetterSink sink = deadLetter -> {
            if (sinkFailures-- > 0) {
                events.add("publish failed");
                throw new IllegalStateException("not acked");
            }
            events.add("publish " + deadLetter.topic());
        };
        return new RecordHandler(new DeadLetterPolicy(new RetryBackoff(Duration.ofMillis(10), Duration.ofMillis(25), 3), true),
                processor, sink, store, topic -> topic + ".dead", delay -> events.add("wait " + delay.toMillis()), () -> 5L);
    }

    @Test
    void retriesWithBackoffThenBlocksTheKeyBeforePublishingTheDeadLetter() throws InterruptedException {
        Outcome outcome = handler(r -> {
            events.add("attempt");
            throw new IllegalStateException("no");
        }).handle(record);
        assertEquals(Outcome.DEAD_LETTERED, outcome);
        assertEquals(List.of("attempt", "wait 10", "attempt", "wait 20", "attempt", "block 7", "publish orders.dead"), events);
    }

    @Test
    void aRecordThatSucceedsOnARetryIsProcessed() throws InterruptedException {
        int[] attempts = {0};
        Outcome outcome = handler(r -> {
            if (++attempts[0] < 3) {
                throw new IllegalStateException("not yet");
            }
        }).handle(record);
        assertEquals(Outcome.PROCESSED, outcome);
        assertEquals(List.of("wait 10", "wait 20"), events);
    }

    @Test
    void failedWritesAreRetriedWithinTheBudget() throws InterruptedException {
        blockFailures = 1;
        sinkFailures = 2;
        handler(r -> {
            throw new IllegalStateException("no");
        }).handle(record);
        assertEquals(List.of("wait 10", "wait 20", "block failed", "wait 10", "block 7",
                "publish failed", "wait 10", "publish failed", "wait 20", "publish orders.dead"), events);
    }

    @Test
    void aDeadLetterNeverAckedEndsTheRecordUnfinished() {
        sinkFailures = 3;
        DeadLetterWriteException e = assertThrows(DeadLetterWriteException.class, () -> handler(r -> {
            throw new IllegalStateException("no");
        }).handle(record));
        assertEquals("dead letter of orders-0@7 failed 3 times", e.getMessage());
        assertEquals("publish failed", events.get(events.size() - 1));
    }
}
