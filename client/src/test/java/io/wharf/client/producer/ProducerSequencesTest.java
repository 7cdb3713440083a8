package io.wharf.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.TopicPartition;
import io.wharf.record.CompressionType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The idempotent producer's bookkeeping of pipelined batches, without a sender around it. */
class ProducerSequencesTest {

    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    private final ProducerSequences sequences = new ProducerSequences();
    private long created;

    private ProducerBatch batch(TopicPartition tp) {
        ProducerBatch batch = new ProducerBatch(tp, CompressionType.NONE, 0, created++);
        batch.append(0, null, new byte[] {1}, List.of(), 22, new CompletableFuture<>(), null);
        return batch;
    }

    private List<ProducerBatch> stamped(TopicPartition tp, int count) {
        List<ProducerBatch> batches = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ProducerBatch batch = batch(tp);
            assertTrue(sequences.stampIfNew(batch), "batch " + i);
            batches.add(batch);
        }
        return batches;
    }

    @Test
    void aPartitionHasAtMostTheLeadersWindowOfBatchesUnacknowledged() {
        sequences.setProducerId(7, (short) 0);
        List<ProducerBatch> sent = stamped(P0, ProducerConfig.MAX_UNACKNOWLEDGED_BATCHES_PER_PARTITION);

        assertFalse(sequences.stampIfNew(batch(P0)), "a 33rd batch would push the 1st out of the leader's memory");
        assertTrue(sequences.mayStamp(P1), "the window is per partition");
        sequences.completeInOrder(sent.get(1), b -> b.succeed(1));
        assertFalse(sequences.mayStamp(P0), "the 1st is still unanswered, so the 2nd still counts");
        sequences.completeInOrder(sent.get(0), b -> b.succeed(0));
        assertTrue(sequences.stampIfNew(batch(P0)));
        assertTrue(sequences.stampIfNew(batch(P0)));
        assertFalse(sequences.mayStamp(P0));
    }

    @Test
    void completionsAnsweredOutOfOrderAreReleasedInSequenceOrder() {
        sequences.setProducerId(7, (short) 0);
        List<ProducerBatch> sent = stamped(P0, 3);
        List<Integer> released = new ArrayList<>();

        sequences.completeInOrder(sent.get(2), b -> released.add(2));
        sequences.completeInOrder(sent.get(1), b -> released.add(1));
        assertEquals(List.of(), released, "both wait for the 1st");
        sequences.completeInOrder(sent.get(0), b -> released.add(0));
        assertEquals(List.of(0, 1, 2), released);
    }

    @Test
    void anOutOfOrderAnswerIsOnlyAGapWhenNothingEarlierIsUnresolved() {
        sequences.setProducerId(7, (short) 0);
        List<ProducerBatch> sent = stamped(P0, 3);

        assertFalse(sequences.followsUnresolved(sent.get(0)));
        assertTrue(sequences.followsUnresolved(sent.get(2)), "the 1st and 2nd are in flight");
        sequences.completeInOrder(sent.get(0), b -> b.succeed(0));
        sequences.completeInOrder(sent.get(1), b -> b.succeed(1));
        assertFalse(sequences.followsUnresolved(sent.get(2)));
    }

    @Test
    void aNewProducerIdWaitsUntilThePartitionsBatchesUnderTheOldOneAreDone() {
        sequences.setProducerId(7, (short) 0);
        List<ProducerBatch> old = stamped(P0, 2);
        sequences.completeInOrder(old.get(0), b -> b.fail(new IllegalStateException("failed for good")));
        assertEquals(List.of(old.get(1)), sequences.unresolvedAfter(old.get(0)));

        sequences.restart();
        assertFalse(sequences.mayStamp(P1), "no producer id");
        sequences.setProducerId(8, (short) 0);
        assertTrue(sequences.mayStamp(P1), "nothing of P1 is unresolved");
        assertFalse(sequences.mayStamp(P0), "the leader would not order id 8's batches after id 7's");
        sequences.completeInOrder(old.get(1), b -> b.succeed(1));
        ProducerBatch next = batch(P0);
        assertTrue(sequences.stampIfNew(next));
        assertEquals(8, next.producerId());
    }

    @Test
    void aBatchRefusedBehindAGapIsStampedAfreshUnderTheNewId() {
        sequences.setProducerId(7, (short) 0);
        List<ProducerBatch> old = stamped(P0, 3);
        sequences.completeInOrder(old.get(0), b -> b.fail(new IllegalStateException("failed for good")));
        sequences.unresolvedAfter(old.get(0)).forEach(ProducerBatch::markBehindGap);
        sequences.restart();
        sequences.setProducerId(8, (short) 0);

        sequences.unstamp(old.get(2));
        assertFalse(old.get(2).hasSequence());
        assertFalse(old.get(2).isBehindGap());
        assertFalse(sequences.mayStamp(P0), "the 2nd is still out under id 7");
        sequences.unstamp(old.get(1));
        assertTrue(sequences.stampIfNew(old.get(1)));
        assertTrue(sequences.stampIfNew(old.get(2)));
        assertEquals(List.of(8L, 8L), List.of(old.get(1).producerId(), old.get(2).producerId()));
        List<Integer> released = new ArrayList<>();
        sequences.completeInOrder(old.get(2), b -> released.add(2));
        sequences.completeInOrder(old.get(1), b -> released.add(1));
        assertEquals(List.of(1, 2), released, "in their new sequence order");
    }
}
