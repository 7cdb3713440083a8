package io.wharf.replication.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProducerStateTableTest {

    private final ProducerStateTable table = new ProducerStateTable();

    private static BatchIdentity batch(long producer, int first, int last) {
        return new BatchIdentity(producer, (short) 0, first, last);
    }

    private void append(BatchIdentity batch, long baseOffset) {
        append(batch, baseOffset, 0);
    }

    private void append(BatchIdentity batch, long baseOffset, long maxTimestamp) {
        assertInstanceOf(AppendCheck.Accepted.class, table.check(List.of(batch), false));
        table.onAppended(batch, baseOffset, baseOffset + batch.lastSequence() - batch.firstSequence(), maxTimestamp);
    }

    private ErrorCode rejection(List<BatchIdentity> batches, boolean stateMayBeIncomplete) {
        AppendCheck check = table.check(batches, stateMayBeIncomplete);
        AppendCheck.Rejected rejected = assertInstanceOf(AppendCheck.Rejected.class, check);
        assertTrue(rejected.message().contains("nothing was appended") || rejected.code() != ErrorCode.OUT_OF_ORDER_SEQUENCE,
                rejected.message());
        return rejected.code();
    }

    @Test
    void aRetryOfAWrittenBatchAnswersItsOriginalOffsets() {
        append(batch(7, 0, 2), 100);
        append(batch(7, 3, 3), 150);

        AppendCheck check = table.check(List.of(batch(7, 0, 2)), false);

        assertEquals(new AppendCheck.Accepted(List.of(new SequencedBatch(0, 2, 100, 102))), check);
    }

    @Test
    void leadingDuplicatesThenNewBatchesAreAcceptedTogether() {
        append(batch(7, 0, 0), 10);
        append(batch(7, 1, 1), 11);

        AppendCheck check = table.check(List.of(batch(7, 1, 1), batch(7, 2, 4), batch(7, 5, 5)), false);

        assertEquals(new AppendCheck.Accepted(List.of(new SequencedBatch(1, 1, 11, 11))), check);
    }

    @Test
    void aSequenceGapIsOutOfOrderAndChangesNothing() {
        append(batch(7, 0, 4), 0);

        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE, rejection(List.of(batch(7, 6, 6)), false));
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE, rejection(List.of(batch(7, 5, 5), batch(7, 7, 7)), false));
        assertEquals(4, table.entry(7).orElseThrow().lastSequence());
    }

    @Test
    void aProducerWithoutStateMustStartAtZeroUnlessTheLogLostItsStart() {
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE, rejection(List.of(batch(9, 3, 3)), false));
        assertInstanceOf(AppendCheck.Accepted.class, table.check(List.of(batch(9, 3, 3)), true));
        assertInstanceOf(AppendCheck.Accepted.class, table.check(List.of(batch(9, 0, 3)), false));
    }

    @Test
    void aDuplicateAfterANewBatchInOneRequestIsRefused() {
        append(batch(7, 0, 0), 0);
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE,
                rejection(List.of(new BatchIdentity(-1, (short) -1, -1, -1), batch(7, 0, 0)), false));
    }

    @Test
    void anOlderEpochIsFencedAndANewerOneStartsAtZero() {
        table.onAppended(new BatchIdentity(7, (short) 2, 0, 0), 0, 0, 0);

        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH,
                rejection(List.of(new BatchIdentity(7, (short) 1, 1, 1)), false));
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE,
                rejection(List.of(new BatchIdentity(7, (short) 3, 1, 1)), false));
        assertInstanceOf(AppendCheck.Accepted.class, table.check(List.of(new BatchIdentity(7, (short) 3, 0, 0)), false));
    }

    @Test
    void anIdempotentBatchWithoutASequenceIsInvalid() {
        assertEquals(ErrorCode.INVALID_REQUEST, rejection(List.of(new BatchIdentity(7, (short) 0, -1, -1)), false));
    }

    @Test
    void sequencesWrapFromIntegerMaxValueToZero() {
        table.onAppended(batch(7, Integer.MAX_VALUE - 1, Integer.MAX_VALUE), 0, 1, 0);
        append(batch(7, 0, 1), 2);
        assertEquals(1, table.entry(7).orElseThrow().lastSequence());
    }

    @Test
    void onlyTheLastRetainedBatchesAreRemembered() {
        int retained = ProducerStateTable.RETAINED_BATCHES;
        for (int seq = 0; seq < retained + 2; seq++) {
            append(batch(7, seq, seq), seq);
        }
        assertEquals(retained, table.entry(7).orElseThrow().batches().size());
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE, rejection(List.of(batch(7, 1, 1)), false));
        assertInstanceOf(AppendCheck.Accepted.class, table.check(List.of(batch(7, 2, 2)), false));
    }

    @Test
    void aProducerExpiresExpirationMsAfterItsLastBatchsTimestampAndMustThenStartAtZero() {
        long expiration = 86_400_000;
        append(batch(7, 0, 1), 0, 1_000);
        append(batch(7, 2, 2), 2, 5_000);
        append(batch(8, 0, 0), 3, 3_000);

        assertEquals(0, table.removeExpired(3_000 + expiration - 1, expiration));
        assertEquals(1, table.removeExpired(3_000 + expiration, expiration), "8 is past it; 7's last batch is younger");
        assertTrue(table.entry(8).isEmpty());
        assertEquals(0, table.removeExpired(5_000 + expiration - 1, expiration));
        assertEquals(1, table.removeExpired(5_000 + expiration, expiration));

        assertEquals(0, table.size());
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE, rejection(List.of(batch(7, 3, 3)), false));
        assertInstanceOf(AppendCheck.Accepted.class, table.check(List.of(batch(7, 3, 3)), true),
                "on a log that lost its start, as for any producer without state");
        assertEquals(new AppendCheck.Accepted(List.of()), table.check(List.of(batch(7, 0, 0)), false));
    }
}
